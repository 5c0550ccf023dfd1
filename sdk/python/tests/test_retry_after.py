"""Retry-After on any error status is the error's ``retry_after_seconds``, as in the Node and .NET SDKs; a 503
``decision_outdated`` (nothing was forwarded, and the same request with a new nonce is decided afresh) is sent once more
after its wait, at most 5 s. A real http.server stands in for the gateway."""

import base64
import json
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler
from unittest import mock

from gamut_agent import GamutClient, GamutHttpError, GamutTimeoutError

from .support import local_server, stop_server

IDENTITY = {"tenant": "demo", "workspace": "ws-demo", "agent_id": "demo-agent", "secret": "demo-secret-do-not-use-in-production-0123456789"}
_PAYLOAD = base64.urlsafe_b64encode(json.dumps({"tid": "demo", "aid": "demo-agent", "tool": "crm.read_contact"}).encode()).rstrip(b"=").decode()
TOKEN = f"v1.{_PAYLOAD}.c2ln"


class RetryAfterTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lock = threading.Lock()
        cls.nonces: list[str] = []
        cls.refusals, cls.code, cls.retry_after = 0, "decision_outdated", "1"
        # A late first answer: its 503 comes ``late`` seconds into the call (the SDK's monotonic clock skips them, nothing
        # waits), and a resend is never answered.
        cls.late, cls.skipped = 0.0, 0.0
        cls.released = threading.Event()
        owner = cls

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner.lock:
                    owner.nonces.append(self.headers.get("X-Gamut-Nonce"))
                    refused = len(owner.nonces) <= owner.refusals
                    unanswered = owner.late > 0 and len(owner.nonces) > 1
                    owner.skipped += 0.0 if unanswered else owner.late
                if unanswered:
                    owner.released.wait()
                    return
                if refused:
                    body = json.dumps({"code": owner.code, "status": 503, "detail": "Send the request again.", "request_id": "req-1"}).encode()
                    self.send_response(503)
                    self.send_header("Content-Type", "application/problem+json")
                    self.send_header("Retry-After", owner.retry_after)
                else:
                    body = json.dumps({"decision": "allow", "invoked": True, "decision_token": TOKEN, "result": {}}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        cls.server, cls.url = local_server(Handler)

    @classmethod
    def tearDownClass(cls):
        cls.released.set()
        stop_server(cls.server)

    def late_answer(self, late: float, timeout: float) -> GamutClient:
        """A client of ``timeout`` s whose first answer is 503 decision_outdated with Retry-After: 1, ``late`` s into the call."""
        self.answer(1, "decision_outdated", "1")
        self.released.clear()
        with self.lock:
            type(self).late, type(self).skipped = late, 0.0
        self.addCleanup(setattr, type(self), "late", 0.0)
        self.addCleanup(self.released.set)
        real = time.monotonic
        patcher = mock.patch("gamut_agent.transport.monotonic", lambda: real() + self.skipped)
        patcher.start()
        self.addCleanup(patcher.stop)
        return GamutClient(base_url=self.url, timeout=timeout, **IDENTITY)

    def test_invoke_tool_decision_outdated_then_no_answer_times_out_within_the_calls_timeout(self):
        # 2 s of the 4 s are gone when the 503 comes: the resend waits 1 s and has only the last second left.
        client = self.late_answer(2.0, timeout=4.0)
        start = time.monotonic()

        with self.assertRaises(GamutTimeoutError):
            client.invoke_tool("crm.read_contact")

        elapsed = time.monotonic() - start + self.skipped
        self.assertTrue(3.5 <= elapsed <= 6.0, f"the call took {elapsed} s of its 4")
        self.assertEqual(2, len(self.nonces))

    def test_invoke_tool_decision_outdated_with_less_time_left_than_its_wait_is_the_error_without_a_resend(self):
        client = self.late_answer(1.5, timeout=2.0)
        start = time.monotonic()

        with self.assertRaises(GamutHttpError) as raised:
            client.invoke_tool("crm.read_contact")

        elapsed = time.monotonic() - start + self.skipped
        self.assertEqual((503, "decision_outdated"), (raised.exception.status, raised.exception.code))
        self.assertTrue(1.5 <= elapsed <= 3.0, f"the call took {elapsed} s of its 2")
        self.assertEqual(1, len(self.nonces))

    def answer(self, refusals: int, code: str, retry_after: str) -> GamutClient:
        with self.lock:
            type(self).nonces = []
            type(self).refusals, type(self).code, type(self).retry_after = refusals, code, retry_after
        return GamutClient(base_url=self.url, **IDENTITY)

    def test_invoke_tool_decision_outdated_503_is_sent_once_more_with_a_new_nonce(self):
        client = self.answer(1, "decision_outdated", "1")

        decision = client.invoke_tool("crm.read_contact")

        self.assertTrue(decision.invoked)
        self.assertEqual(2, len(self.nonces))
        self.assertNotEqual(self.nonces[0], self.nonces[1])

    def test_invoke_tool_decision_outdated_twice_is_the_error_with_its_retry_after_after_one_resend(self):
        client = self.answer(2, "decision_outdated", "1")

        with self.assertRaises(GamutHttpError) as raised:
            client.invoke_tool("crm.read_contact")

        self.assertEqual((503, "decision_outdated", 1.0), (raised.exception.status, raised.exception.code, raised.exception.retry_after_seconds))
        self.assertEqual(2, len(self.nonces))

    def test_invoke_tool_503_not_resent_exposes_retry_after(self):
        # Only decision_outdated is resent, and only after a wait the SDK bounds (at most 5 s).
        for code, wait in (("store_unavailable", "2"), ("decision_outdated", "30")):
            with self.subTest(code=code, wait=wait):
                client = self.answer(1, code, wait)

                with self.assertRaises(GamutHttpError) as raised:
                    client.invoke_tool("crm.read_contact")

                self.assertEqual((503, code, float(wait)), (raised.exception.status, raised.exception.code, raised.exception.retry_after_seconds))
                self.assertEqual(1, len(self.nonces))


if __name__ == "__main__":
    unittest.main()
