"""A real HTTP upstream (the standard library's ThreadingHTTPServer) standing in for every connector of the
example bundle, on a free loopback port. It records every request it receives, so a test can prove that an
allowed call reached it and a refused one never did."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import a2a_agent

STREAM_PIECES = ["The ", "gateway ", "streamed ", "this."]
# The most a call for the slow contact is held (a handler here cannot see the gateway drop the call): the test that
# holds it opens the gate long before.
SLOW_HOLD_SECONDS = 30


class SlowCalls:
    """The calls for the slow contact a test holds: how many reached the upstream and ended there, and their gate."""

    def __init__(self) -> None:
        self.arrived = 0
        self.ended = 0
        self.opened = threading.Event()

    def open(self) -> None:
        """Lets every held call (and every later one) be answered."""
        self.opened.set()


class Upstream:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self.slow_calls: SlowCalls | None = None
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                with upstream._lock:
                    upstream.requests.append({"method": self.command, "path": self.path, "body": body.decode("utf-8", "replace"),
                                              "headers": {k.lower(): v for k, v in self.headers.items()}})
                if path.startswith("/crm/contacts/"):
                    contact = path.rsplit("/", 1)[1]
                    if contact == "slow":
                        held = upstream.slow_calls or SlowCalls()
                        with upstream._lock:
                            held.arrived += 1
                        held.opened.wait(SLOW_HOLD_SECONDS)  # until the test opens the gate
                        with upstream._lock:
                            held.ended += 1
                    self._json(200, {"id": contact, "name": "Dana Example", "order": "A-1001"})
                elif path == "/payments/refunds":
                    self._json(200, {"refund": "rf_1", "status": "accepted"})
                elif path == "/exec":
                    self._json(500, {"error": "the gateway should never let this through"})
                elif path == "/context":
                    self._send(200, "text/plain", b"Contact 42 is Dana; the last order was A-1001.")
                elif path == "/.well-known/agent-card.json":
                    self._json(200, a2a_agent.card(f"http://{self.headers.get('Host')}"))
                elif path == "/a2a":
                    self._send(200, *a2a_agent.reply(json.loads(body or b"{}")))
                elif path == "/v1/chat/completions":
                    self._chat(json.loads(body or b"{}"))
                else:
                    self._json(404, {"error": "not found"})

            def _chat(self, request: dict) -> None:
                model = request.get("model", "gpt-4o-mini")
                if not request.get("stream"):
                    self._json(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
                                     "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(STREAM_PIECES)},
                                                  "finish_reason": "stop"}],
                                     "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                for piece in STREAM_PIECES:
                    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _json(self, status: int, payload) -> None:
                self._send(status, "application/json", json.dumps(payload).encode())

            def _send(self, status: int, content_type: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:  # a client that timed out and left is expected
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def hold_slow_calls(self) -> SlowCalls:
        """Holds the calls for the slow contact (/crm/contacts/slow) until the returned gate is opened."""
        self.slow_calls = SlowCalls()
        return self.slow_calls

    def paths(self) -> list[str]:
        with self._lock:
            return [r["path"] for r in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    u = Upstream()
    print(u.base_url, flush=True)
    threading.Event().wait()
