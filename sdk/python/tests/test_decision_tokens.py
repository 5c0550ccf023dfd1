"""The executor-side verifiers without the gateway: the offline check on tokens made by the protocol's wire format,
and GatewayDecisionTokenVerifier against a real http.server standing in for a failing gateway (5xx, an answer that is
not the documented one, no answer in time) and a port nothing listens on. Tokens the real gateway issued, its verify
endpoint and revocation are in test_executor.py."""

import base64
import hashlib
import hmac
import json
import socket
import time
import unittest
from http.server import BaseHTTPRequestHandler

from gamut_agent import DecisionTokenStatus, DecisionTokenVerifier, GatewayDecisionTokenVerifier, gateway_key

from .support import ManualClock, local_server, stop_server

KEY = b"decision-signing-key-for-tests-0123456789"
NOW = 1_800_000_000
DIGEST = "a" * 64
EXECUTOR = "executor-token-for-tests-0123456789"


def sign(payload, key: bytes = KEY) -> str:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    part = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    mac = hmac.new(key, f"v1.{part}".encode(), hashlib.sha256).digest()
    return f"v1.{part}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def claims(**extra) -> dict:
    payload = {"tid": "demo", "aid": "a", "tool": "t", "act": DIGEST, "dec": "allow", "iat": NOW, "exp": NOW + 300, "jti": "jti-1"}
    payload.update(extra)
    return {k: v for k, v in payload.items() if v is not None}


class OfflineVerifierTests(unittest.TestCase):
    def test_a_token_with_the_revocation_claims_verifies_and_they_are_read(self):
        token = sign(claims(tgn=3, agn=7, pol="sha256:p", rid="req-1", apr="apr_1", evl=True))
        result = DecisionTokenVerifier(KEY, clock=ManualClock(NOW)).verify(token, tenant="demo", tool="t", intent_digest=DIGEST)
        self.assertTrue(result.valid, result.reason)
        c = result.claims
        self.assertEqual((c.tenant_generation, c.agent_generation, c.policy_digest, c.request_id, c.approval_id, c.is_evaluation),
                         (3, 7, "sha256:p", "req-1", "apr_1", True))

    def test_the_tool_is_required_so_a_token_for_another_action_is_never_accepted(self):
        verifier = DecisionTokenVerifier(KEY, clock=ManualClock(NOW))
        token = sign(claims(tool="echo.read"))
        with self.assertRaises(TypeError):
            verifier.verify(token, tenant="demo")  # pylint: disable=missing-kwoa
        with self.assertRaises(ValueError):
            verifier.verify(token, tenant="demo", tool="")
        self.assertEqual(verifier.verify(token, tenant="demo", tool="payments.refund").reason, "wrong_tool")

    def test_a_token_without_them_still_verifies(self):
        result = DecisionTokenVerifier(KEY, clock=ManualClock(NOW)).verify(sign(claims()), tenant="demo", tool="t")
        self.assertTrue(result.valid, result.reason)
        self.assertEqual((result.claims.agent, result.claims.tenant_generation, result.claims.is_evaluation), ("a", None, False))

    def test_a_claim_this_version_does_not_know_is_skipped(self):
        # A newer gateway adds claims (agent-protocol extensions); the signature covers them all.
        result = DecisionTokenVerifier(KEY, clock=ManualClock(NOW)).verify(sign(claims(future_claim={"x": 1})), tenant="demo", tool="t")
        self.assertTrue(result.valid, result.reason)
        self.assertEqual(result.claims.token_id, "jti-1")

    def test_every_refusal_has_its_stable_reason(self):
        verifier = DecisionTokenVerifier(KEY, clock=ManualClock(NOW))
        tampered = base64.urlsafe_b64encode(json.dumps(claims(tid="evil")).encode()).decode().rstrip("=")
        cases = [
            (None, "missing"), ("", "missing"), ("garbage", "malformed"), ("v1.onlyonepart", "malformed"), ("v1.abc.!!!", "malformed"),
            ("v2.abc.def", "unsupported_version"),
            (f"v1.{tampered}.{sign(claims()).split('.')[2]}", "bad_signature"),
            (sign(claims(), b"another-key-another-key-another-key-123"), "bad_signature"),
            (sign(claims(dec="block")), "decision_not_allowed"),
            (sign(claims(exp=NOW + 301)), "lifetime_too_long"),
            (sign(claims(dec="maybe")), "malformed"),
            (sign(claims(dec="degrade", deg="shrink")), "malformed"),
            (sign({k: v for k, v in claims().items() if k != "jti"}), "malformed"),
            (sign(claims(evl="yes")), "malformed"),
            (sign(claims(tgn=-1)), "malformed"),
            (sign(claims(agn="1")), "malformed"),
            (sign(claims(iat=True)), "malformed"),
            (sign("null"), "malformed"),
        ]
        for token, reason in cases:
            with self.subTest(token=token):
                self.assertEqual(verifier.verify(token, tenant="demo", tool="t").reason, reason)
        token = sign(claims())
        self.assertEqual(verifier.verify(token, tenant="other", tool="t").reason, "wrong_tenant")
        self.assertEqual(verifier.verify(token, tenant="demo", tool="t2").reason, "wrong_tool")
        self.assertEqual(verifier.verify(token, tenant="demo", tool="t", intent_digest="b" * 64).reason, "wrong_intent")

    def test_expiry_and_not_before_allow_the_clock_skew(self):
        clock = ManualClock(NOW + 305)
        verifier = DecisionTokenVerifier(KEY, clock=clock, clock_skew=5)
        token = sign(claims())
        self.assertTrue(verifier.verify(token, tenant="demo", tool="t").valid)
        clock.now += 1
        self.assertEqual(verifier.verify(token, tenant="demo", tool="t").reason, "expired")
        self.assertEqual(DecisionTokenVerifier(KEY, clock=ManualClock(NOW - 6)).verify(token, tenant="demo", tool="t").reason, "not_yet_valid")

    def test_gateway_key_reads_hex_and_base64_and_refuses_short_keys(self):
        self.assertEqual(gateway_key("ab" * 32), b"\xab" * 32)
        self.assertEqual(gateway_key(base64.b64encode(b"\x07" * 32).decode()), b"\x07" * 32)
        with self.assertRaises(ValueError):
            gateway_key("abcd")
        with self.assertRaises(ValueError):
            DecisionTokenVerifier(b"\x00" * 31)


class FailingGatewayTests(unittest.TestCase):
    """A real http.server answering as the test says."""

    @classmethod
    def setUpClass(cls):
        cls.calls = 0
        cls.answer = staticmethod(lambda handler: handler.send_response(204))
        owner = cls

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                owner.calls += 1
                owner.seen_authorization = self.headers.get("Authorization")
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.answer(self)

        cls.server, cls.base_url = local_server(Handler)

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def respond(self, status: int, content_type: str, body: str) -> None:
        def answer(handler):
            data = body.encode()
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        type(self).answer = staticmethod(answer)

    def verifier(self, **options) -> GatewayDecisionTokenVerifier:
        settings = {"gateway_url": self.base_url, "executor_token": EXECUTOR, "decision_signing_key": KEY, "clock": ManualClock(NOW), **options}
        return GatewayDecisionTokenVerifier(**settings)

    def test_5xx_a_refused_credential_and_undocumented_answers_are_unavailable_and_asked_again(self):
        cases = [
            (500, "application/json", '{"status":"live"}', "gateway_error"),
            (503, "application/problem+json", '{"code":"store_unavailable"}', "gateway_error"),
            (401, "application/problem+json", '{"code":"admin_token_missing"}', "credential_refused"),
            (403, "application/problem+json", '{"code":"tenant_forbidden"}', "credential_refused"),
            (404, "application/json", '{"status":"live"}', "unexpected_answer"),
            (200, "text/plain", "live", "unexpected_answer"),
            (200, "application/json", "not json", "unexpected_answer"),
            (200, "application/json", '{"status":"alive","token_id":"jti-1"}', "unexpected_answer"),
            (200, "application/json", '{"status":"live","token_id":"another-token"}', "unexpected_answer"),
            (200, "application/json", '{"status":"live"}', "unexpected_answer"),
            (200, "application/json", '{"status":"revoked","token_id":"jti-1"}', "unexpected_answer"),
            (200, "application/json", '{"status":"revoked","reason":"Agent\\nrevoked","token_id":"jti-1"}', "unexpected_answer"),
        ]
        token = sign(claims())
        for status, content_type, body, reason in cases:
            with self.subTest(status=status, body=body):
                self.respond(status, content_type, body)
                verifier = self.verifier()
                before = self.calls
                first = verifier.verify(token, tenant="demo", tool="t")
                second = verifier.verify(token, tenant="demo", tool="t")
                self.assertEqual((first.status, first.reason, first.claims), (DecisionTokenStatus.UNAVAILABLE, reason, None))
                self.assertFalse(first.live)
                self.assertEqual(second, first)
                self.assertEqual(self.calls, before + 2)

    def test_a_revoked_answer_is_kept_until_expiry_and_the_request_carries_the_executor_credential(self):
        self.respond(200, "application/json", '{"status":"revoked","reason":"policy_changed","token_id":"jti-1"}')
        clock = ManualClock(NOW)
        verifier = self.verifier(clock=clock, live_cache=0)
        before = self.calls
        revoked = verifier.verify(sign(claims()), tenant="demo", tool="t")
        clock.now += 299
        self.assertEqual(verifier.verify(sign(claims()), tenant="demo", tool="t"), revoked)
        self.assertEqual((revoked.status, revoked.reason, revoked.claims.agent), (DecisionTokenStatus.REVOKED, "policy_changed", "a"))
        self.assertEqual(self.calls, before + 1)
        self.assertEqual(self.seen_authorization, f"Bearer {EXECUTOR}")

    def test_no_answer_within_the_timeout_is_unavailable(self):
        type(self).answer = staticmethod(lambda handler: time.sleep(2))
        now = int(time.time())
        result = self.verifier(clock=time.time, timeout=0.2).verify(sign(claims(iat=now, exp=now + 300)), tenant="demo", tool="t")
        self.assertEqual((result.status, result.reason), (DecisionTokenStatus.UNAVAILABLE, "timeout"))

    def test_an_unreachable_gateway_is_unavailable(self):
        # A loopback port held by a socket that never listens: a connection to it is refused for as long as the socket is
        # open, and no other process can take the port meanwhile (a port closed before the call could be reused).
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            port = holder.getsockname()[1]
            result = self.verifier(gateway_url=f"http://127.0.0.1:{port}").verify(sign(claims()), tenant="demo", tool="t")
        self.assertEqual((result.status, result.reason, result.claims), (DecisionTokenStatus.UNAVAILABLE, "gateway_unreachable", None))

    def test_a_token_failing_offline_is_answered_without_a_call(self):
        before = self.calls
        token = sign(claims())
        wrong_tool = self.verifier().verify(token, tenant="demo", tool="other.tool")
        other_key = self.verifier(decision_signing_key=b"another-key-another-key-another-key-123").verify(token, tenant="demo", tool="t")
        expired = self.verifier(clock=ManualClock(NOW + 306)).verify(token, tenant="demo", tool="t")
        self.assertEqual((wrong_tool.status, wrong_tool.reason), (DecisionTokenStatus.INVALID, "wrong_tool"))
        self.assertEqual((other_key.status, other_key.reason), (DecisionTokenStatus.INVALID, "bad_signature"))
        self.assertEqual((expired.status, expired.reason), (DecisionTokenStatus.EXPIRED, "expired"))
        self.assertEqual(self.calls, before)

    def test_a_plain_http_gateway_url_on_a_host_other_than_loopback_is_refused_unless_allowed(self):
        for url in ("http://gw.example:8080", "http://10.0.0.5"):
            with self.subTest(url), self.assertRaisesRegex(ValueError, "plain http.*allow_insecure_http=True") as caught:
                self.verifier(gateway_url=url)
            self.assertNotIn(EXECUTOR, str(caught.exception))
            self.assertIsNotNone(self.verifier(gateway_url=url, allow_insecure_http=True))
        for url in ("http://localhost:8080", "http://127.0.0.2", "http://[::1]", "https://gw.example"):
            with self.subTest(url):
                self.assertIsNotNone(self.verifier(gateway_url=url))
        with self.assertRaises(ValueError):
            self.verifier(gateway_url="http://gw.example", allow_insecure_http="true")

    def test_invalid_options_are_refused_without_echoing_the_credential(self):
        for options in ({"live_cache": 5.1}, {"executor_token": " "}, {"timeout": 0}, {"gateway_url": "/relative"}):
            with self.subTest(options=options), self.assertRaises(ValueError) as caught:
                self.verifier(**options)
            self.assertNotIn(EXECUTOR, str(caught.exception))
        self.assertNotIn(EXECUTOR, repr(self.verifier()))
