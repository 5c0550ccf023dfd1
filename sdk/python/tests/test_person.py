"""Acting for a person with the Python SDK against the REAL gateway: the person's identity token rides in
X-Gamut-Person, covered by the signature. The suite's tenant declares no OpenID provider, so the gateway, having
verified the signature over the ten lines, refuses the token itself (person_token_invalid), never the signature.
A token that is not a compact JWS is refused before anything is sent, without repeating it (a stand-in counts)."""

import json
import threading
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler

from gamut_agent import PERSON_HEADER, GamutAuthenticationError, GamutClient, GamutConfigurationError

from .support import environment, local_server, stop_server
from .test_providers import httpx

PERSON_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl"


class PersonTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)

    def test_for_person_signs_the_token_and_the_gateway_checks_the_token_itself(self):
        erin = self.gamut.for_person(PERSON_TOKEN)
        with self.assertRaises(GamutAuthenticationError) as raised:
            erin.evaluate("crm.read_contact", {"id": "7"})
        self.assertEqual(raised.exception.code, "person_token_invalid")
        self.assertEqual(erin.person_token, PERSON_TOKEN)
        self.assertIsNone(self.gamut.person_token)

    def test_person_token_per_call_is_sent_and_signed_and_nothing_is_forwarded(self):
        before = len(self.env.upstream.requests)
        with self.assertRaises(GamutAuthenticationError) as raised:
            self.gamut.invoke_tool("crm.read_contact", {"id": "7"}, person_token=PERSON_TOKEN)
        self.assertEqual(raised.exception.code, "person_token_invalid")
        self.assertEqual(len(self.env.upstream.requests), before)

    def test_opener_signs_an_x_gamut_person_header_the_caller_sets(self):
        body = json.dumps({"tool": "crm.read_contact", "args": {"id": "7"}}).encode("utf-8")
        request = urllib.request.Request(self.gamut.base_url + "/v1/evaluate", data=body, method="POST",
                                         headers={"Content-Type": "application/json", PERSON_HEADER: PERSON_TOKEN})
        with self.assertRaises(urllib.error.HTTPError) as raised:
            self.gamut.opener().open(request, timeout=10)
        self.assertEqual(raised.exception.code, 401)
        self.assertEqual(json.loads(raised.exception.read())["code"], "person_token_invalid")

    def test_the_agent_alone_is_unaffected_and_an_empty_token_is_refused(self):
        self.assertEqual(self.gamut.evaluate("crm.read_contact", {"id": "7"}).decision, "allow")
        with self.assertRaises(GamutConfigurationError):
            self.gamut.for_person(" ")


NOT_COMPACT_JWS = [
    PERSON_TOKEN + "\r\nX-Injected: 1",
    PERSON_TOKEN + "\n",
    "\t" + PERSON_TOKEN,
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0",
    "eyJhbGci.eyJzdWIi.c2ln.bmF0",
    "eyJhbGci.eyJ zdWIi.c2lnbmF0dXJl",
    "eyJhbGci.eyJzdWIi.c2lnbmF0dXJl\u00e9",
    "eyJhbGci." + "a" * 70_000 + ".c2ln",
    "",
]


class PersonTokenShapeTests(unittest.TestCase):
    """A person's token that is not a compact JWS (three base64url parts, the only shape the gateway accepts), given to
    for_person, per call, or as an X-Gamut-Person header a provider-native client sets, is a GamutConfigurationError
    that does not repeat it, and nothing reaches the stand-in gateway."""

    @classmethod
    def setUpClass(cls):
        cls.received = 0
        owner, lock = cls, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    owner.received += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        cls.server, base_url = local_server(Handler)
        cls.gamut = GamutClient(base_url=base_url, tenant="demo", workspace="ws-demo", agent_id="demo-agent",
                                secret="demo-secret-do-not-use-in-production-0123456789")

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def assert_refused(self, raised, token):
        self.assertEqual(raised.exception.code, "configuration_refused")
        self.assertIn("compact JWS", str(raised.exception))
        if token.strip():
            self.assertNotIn(token.strip(), str(raised.exception))
        self.assertEqual(self.received, 0)

    def test_for_person_refuses_a_token_that_is_not_a_compact_jws_without_repeating_it(self):
        for token in NOT_COMPACT_JWS:
            with self.subTest(token=token[:60]):
                with self.assertRaises(GamutConfigurationError) as raised:
                    self.gamut.for_person(token)
                self.assert_refused(raised, token)

    def test_person_token_per_call_that_is_not_a_compact_jws_is_refused_before_sending(self):
        for token in NOT_COMPACT_JWS:
            for call in (self.gamut.evaluate, self.gamut.invoke_tool):
                with self.subTest(token=token[:60], call=call.__name__):
                    with self.assertRaises(GamutConfigurationError) as raised:
                        call("crm.read_contact", {"id": "7"}, person_token=token)
                    self.assert_refused(raised, token)

    def test_opener_refuses_a_caller_set_person_header_with_cr_lf_before_sending(self):
        token = PERSON_TOKEN + "\r\nX-Injected: 1"
        request = urllib.request.Request(self.gamut.base_url + "/v1/evaluate", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json", PERSON_HEADER: token})
        with self.assertRaises(GamutConfigurationError) as raised:
            self.gamut.opener().open(request, timeout=10)
        self.assert_refused(raised, token)

    @unittest.skipIf(httpx is None, "httpx is not installed")
    def test_httpx_auth_refuses_a_caller_set_person_header_that_is_not_a_compact_jws(self):
        token = "eyJhbGci.eyJ zdWIi.c2lnbmF0dXJl"
        with httpx.Client(auth=self.gamut.httpx_auth(), timeout=10) as client, self.assertRaises(GamutConfigurationError) as raised:
            client.post(self.gamut.base_url + "/v1/evaluate", content=b"{}", headers={PERSON_HEADER: token})
        self.assert_refused(raised, token)


if __name__ == "__main__":
    unittest.main()
