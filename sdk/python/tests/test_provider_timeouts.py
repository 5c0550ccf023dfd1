"""The provider-native opener is bounded by the client's timeout like every other call, against a real local
http.server that takes each request and does not answer."""

import json
import threading
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler

from gamut_agent import GamutClient, GamutTimeoutError

from .support import eventually, local_server, stop_server

IDENTITY = {"tenant": "demo", "workspace": "ws-demo", "agent_id": "demo-agent", "secret": "demo-secret-do-not-use-in-production-0123456789"}
# The most a silent request is held: it is released, unanswered, when the tests end, so only an opener without a bound
# ever sees the answer that comes after it (which fails the test instead of hanging it).
HOLD_SECONDS = 20


class SilentGatewayTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.release = threading.Event()
        cls.received = 0
        owner = cls

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                owner.received += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if owner.release.wait(HOLD_SECONDS):
                    return  # the test has ended: nobody is listening
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        cls.server, cls.base_url = local_server(Handler)

    @classmethod
    def tearDownClass(cls):
        cls.release.set()
        stop_server(cls.server)

    def _chat(self, gamut: GamutClient) -> urllib.request.Request:
        return urllib.request.Request(gamut.provider_url("openai") + "/chat/completions", data=json.dumps({"model": "m"}).encode(),
                                      headers={"Content-Type": "application/json"}, method="POST")

    def test_opener_without_a_timeout_waits_the_clients_then_raises_gamut_timeout_error(self):
        # 2 s: time enough for the server to take the request on a loaded machine (the count is checked below).
        gamut = GamutClient(base_url=self.base_url, timeout=2.0, **IDENTITY)
        before = self.received
        with self.assertRaises(GamutTimeoutError) as caught:
            gamut.opener().open(self._chat(gamut))
        self.assertEqual(caught.exception.code, "timeout")
        self.assertIn("within 2.0 s", str(caught.exception))
        self.assertIsInstance(caught.exception, TimeoutError)
        eventually(lambda: self.received > before, "the request reaching the server", timeout=10)
        self.assertEqual(self.received, before + 1, "sent once, not retried")

    def test_opener_with_its_own_timeout_uses_it(self):
        gamut = GamutClient(base_url=self.base_url, timeout=60, **IDENTITY)
        with self.assertRaises(GamutTimeoutError) as caught:
            gamut.opener().open(self._chat(gamut), timeout=0.2)
        self.assertIn("within 0.2 s", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
