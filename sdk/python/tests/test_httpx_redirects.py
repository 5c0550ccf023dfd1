"""A signed httpx request never leaves for another URL: ``httpx_client()`` / ``httpx_async_client()`` answer a redirect
instead of following it and refuse a followed hop, and ``httpx_auth()`` alone refuses the hop a client configured to
follow redirects would make (the OpenAI Python client's own httpx client does). A real http.server stands in for a
gateway with a redirect in front of it (an ingress rule, a moved hostname); a second one, on another port, records
whatever arrives. The provider route of the real gateway is reached through ``httpx_client()`` too."""

import asyncio
import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler

from gamut_agent import GamutClient, GamutConfigurationError

from .support import environment, local_server, stop_server
from .test_providers import httpx
from .upstream import STREAM_PIECES

IDENTITY = {"tenant": "demo", "workspace": "ws-demo", "agent_id": "demo-agent", "secret": "demo-secret-do-not-use-in-production-0123456789"}
PERSON_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def recording_server(record: list, lock: threading.Lock, answer):
    """A real http.server that records each request (path, headers, body) and answers with ``answer(path)``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                record.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
            status, headers = answer(self.path)
            self.send_response(status)
            for name, value in {**headers, "Content-Length": "2", "Content-Type": "application/json"}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_POST = _handle

    return local_server(Handler)


@unittest.skipIf(httpx is None, "httpx is not installed")
class HttpxRedirectTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lock = threading.Lock()
        cls.other, cls.gateway = [], []
        cls.other_server, cls.other_url = recording_server(cls.other, cls.lock, lambda path: (200, {}))

        def redirect(path):
            target = cls.gateway_url + "/elsewhere" if path.endswith("/same-origin") else cls.other_url + "/steal"
            return (200, {}) if path == "/elsewhere" else (307, {"Location": target})

        cls.gateway_server, cls.gateway_url = recording_server(cls.gateway, cls.lock, redirect)
        cls.gamut = GamutClient(base_url=cls.gateway_url, **IDENTITY).for_person(PERSON_TOKEN)
        cls.url = cls.gamut.provider_url("openai") + "/chat/completions"

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.gateway_server)
        stop_server(cls.other_server)

    def setUp(self):
        with self.lock:
            self.other.clear()
            self.gateway.clear()

    def assert_nothing_went_elsewhere(self, gateway_requests: int = 1):
        with self.lock:
            self.assertEqual(self.other, [])
            self.assertEqual(len(self.gateway), gateway_requests)

    def test_httpx_client_answers_a_redirect_without_following_it(self):
        with self.gamut.httpx_client(timeout=10) as client:
            response = client.post(self.url, json=CHAT)
        self.assertEqual(response.status_code, 307)
        self.assertTrue(response.headers["location"].startswith(self.other_url))
        self.assert_nothing_went_elsewhere()
        with self.lock:
            self.assertEqual(self.gateway[0]["headers"]["x-gamut-person"], PERSON_TOKEN)

    def test_httpx_client_refuses_a_redirect_followed_per_request(self):
        with self.gamut.httpx_client(timeout=10) as client, self.assertRaises(GamutConfigurationError) as refused:
            client.post(self.url, json=CHAT, follow_redirects=True)
        self.assertNotIn(PERSON_TOKEN, str(refused.exception))
        self.assert_nothing_went_elsewhere()

    def test_httpx_client_refuses_a_same_origin_redirect_to_another_path(self):
        with self.gamut.httpx_client(timeout=10) as client, self.assertRaises(GamutConfigurationError):
            client.post(self.url + "/same-origin", json=CHAT, follow_redirects=True)
        self.assert_nothing_went_elsewhere()

    def test_httpx_auth_in_a_client_that_follows_redirects_refuses_the_hop(self):
        # As the OpenAI Python client builds its own httpx client: follow_redirects=True.
        with httpx.Client(auth=self.gamut.httpx_auth(), follow_redirects=True, timeout=10) as client, \
                self.assertRaises(GamutConfigurationError):
            client.post(self.url, json=CHAT)
        self.assert_nothing_went_elsewhere()

    def test_httpx_async_client_answers_a_redirect_and_refuses_a_followed_one(self):
        async def post():
            async with self.gamut.httpx_async_client(timeout=10) as client:
                answered = await client.post(self.url, json=CHAT)
                with self.assertRaises(GamutConfigurationError):
                    await client.post(self.url, json=CHAT, follow_redirects=True)
                return answered

        self.assertEqual(asyncio.run(post()).status_code, 307)
        self.assert_nothing_went_elsewhere(gateway_requests=2)

    def test_httpx_auth_in_an_async_client_that_follows_redirects_refuses_the_hop(self):
        async def post():
            async with httpx.AsyncClient(auth=self.gamut.httpx_auth(), follow_redirects=True, timeout=10) as client:
                await client.post(self.url, json=CHAT)

        with self.assertRaises(GamutConfigurationError):
            asyncio.run(post())
        self.assert_nothing_went_elsewhere()

    def test_httpx_client_refuses_another_origin_before_sending(self):
        with self.gamut.httpx_client(timeout=10) as client, self.assertRaises(GamutConfigurationError):
            client.post(self.other_url + "/v1/chat/completions", json=CHAT)
        self.assert_nothing_went_elsewhere(gateway_requests=0)

    def test_httpx_client_refuses_options_that_would_follow_redirects_or_replace_the_signing(self):
        for options in ({"follow_redirects": True}, {"auth": ("user", "password")}):
            with self.subTest(options=options), self.assertRaises(GamutConfigurationError):
                self.gamut.httpx_client(**options)
            with self.subTest(options=options, client="async"), self.assertRaises(GamutConfigurationError):
                self.gamut.httpx_async_client(**options)


@unittest.skipIf(httpx is None, "httpx is not installed")
class HttpxClientGatewayTests(unittest.TestCase):
    """``httpx_client()`` against the real gateway's provider route, keeping the caller's own event hooks."""

    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)

    def test_httpx_client_chat_completion_is_signed_and_keeps_the_callers_hooks(self):
        seen = []
        with self.gamut.httpx_client(timeout=30, event_hooks={"response": [lambda response: seen.append(response.status_code)]}) as client:
            response = client.post(self.gamut.provider_url("openai") + "/chat/completions", json=CHAT)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["choices"][0]["message"]["content"], "".join(STREAM_PIECES))
        self.assertEqual(seen, [200])

    def test_httpx_async_client_chat_completion_is_signed(self):
        async def post():
            async with self.gamut.httpx_async_client(timeout=30) as client:
                return await client.post(self.gamut.provider_url("openai") + "/chat/completions?api-version=1", content=json.dumps(CHAT).encode(),
                                         headers={"Content-Type": "application/json"})

        response = asyncio.run(post())
        self.assertEqual(response.status_code, 200, response.text)


if __name__ == "__main__":
    unittest.main()
