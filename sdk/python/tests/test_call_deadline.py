"""The client's timeout bounds a whole governed call, answer and body, as in the Node and .NET SDKs: against a real
local http.server that answers a byte at a time, each within the timeout, so that no single read ever times out."""

import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler

from gamut_agent import GamutClient, GamutTimeoutError

from .support import local_server, stop_server

IDENTITY = {"tenant": "demo", "workspace": "ws-demo", "agent_id": "demo-agent", "secret": "demo-secret-do-not-use-in-production-0123456789"}
# A byte every DRIP seconds for DRIP_BYTES bytes: 6 s in all, far beyond the 0.5 s the client is given.
DRIP = 0.2
DRIP_BYTES = 30


class _Trickling(BaseHTTPRequestHandler):
    """Answers /v1/evaluate a byte at a time from the status line on, anything else with prompt headers and a trickled body."""

    served = 0
    done = threading.Event()

    def log_message(self, *args) -> None:
        pass

    def _drip(self, data: bytes) -> None:
        for i in range(len(data)):
            if _Trickling.done.wait(DRIP):
                return  # the tests have ended
            try:
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
            except OSError:
                return  # the client gave up

    def do_POST(self) -> None:
        _Trickling.served += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/v1/evaluate":
            self._drip(b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * DRIP_BYTES + b"\r\nContent-Length: 2\r\n\r\n{}")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(DRIP_BYTES))
        self.end_headers()
        self.wfile.flush()
        self._drip(b" " * (DRIP_BYTES - 2) + b"{}")


class TricklingGatewayTests(unittest.TestCase):
    server = None
    base_url = ""

    @classmethod
    def setUpClass(cls):
        cls.server, cls.base_url = local_server(_Trickling)

    @classmethod
    def tearDownClass(cls):
        _Trickling.done.set()
        stop_server(cls.server)

    def _bounded(self, call) -> GamutTimeoutError:
        before, started = _Trickling.served, time.monotonic()
        with self.assertRaises(GamutTimeoutError) as caught:
            call()
        self.assertLess(time.monotonic() - started, DRIP * DRIP_BYTES / 2, "bounded by the timeout, not by the server")
        self.assertEqual(_Trickling.served, before + 1, "sent once, not retried")
        self.assertEqual(caught.exception.code, "timeout")
        return caught.exception

    def test_evaluate_answer_trickled_raises_gamut_timeout_error_at_the_clients_timeout(self):
        gamut = GamutClient(base_url=self.base_url, timeout=0.5, **IDENTITY)
        error = self._bounded(lambda: gamut.evaluate("crm.read_contact", {"id": "42"}))
        self.assertIn("within 0.5 s", str(error))

    def test_context_body_trickled_raises_gamut_timeout_error_at_the_calls_timeout(self):
        gamut = GamutClient(base_url=self.base_url, timeout=60, **IDENTITY)
        error = self._bounded(lambda: gamut.context("tickets", timeout=0.5))
        self.assertIn("within 0.5 s", str(error))


if __name__ == "__main__":
    unittest.main()
