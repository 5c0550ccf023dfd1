"""The real gateway for the Python suite: sdk/testing/gateway.sh (the launcher all three SDK suites share)
in front of this suite's own upstream (upstream.py), started once for the whole run, plus the admin calls
the tests need."""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .upstream import Upstream

REPO_ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = REPO_ROOT / "sdk" / "testing" / "gateway.sh"

DEMO = {
    "tenant": "demo",
    "workspace": "ws-demo",
    "agent_id": "demo-agent",
    "secret": "demo-secret-do-not-use-in-production-0123456789",  # examples/bundle/secrets (demo only)
}


class Environment:
    def __init__(self) -> None:
        self.upstream = Upstream()
        self._work = tempfile.mkdtemp(prefix="gamut-sdk-python-")
        try:
            out = subprocess.run([str(LAUNCHER), "start", self._work, self.upstream.base_url], check=True,
                                 capture_output=True, text=True, timeout=200).stdout
        except subprocess.CalledProcessError as error:
            self.upstream.close()
            raise RuntimeError(f"the gateway did not start: {error.stderr}") from error
        values = dict(line.split("=", 1) for line in out.strip().splitlines())
        self.base_url = values["GAMUT_TEST_BASE_URL"]
        self.admin_token = values["GAMUT_TEST_ADMIN_TOKEN"]
        self.rogue_secret = values["GAMUT_TEST_ROGUE_SECRET"]
        self.decision_signing_key = values["GAMUT_TEST_DECISION_SIGNING_KEY"]
        self.demo = {**DEMO, "base_url": self.base_url}
        self._approver: str | None = None
        for name, value in (("crm-token", "crm-test-token"), ("payments-key", "payments-test-key"), ("openai-key", "openai-test-key")):
            self.admin("PUT", f"/tenants/demo/credentials/{name}", {"value": value})

    def admin(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}/admin/v1{path}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {token or self.admin_token}",
                                                  **({"Content-Type": "application/json"} if data else {})})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None

    def approver(self) -> str:
        if self._approver is None:
            self._approver = self.admin("POST", "/tokens", {"name": "bob", "roles": ["approver"], "tenant": "demo", "person": "bob"})["token"]
        return self._approver

    def executor_token(self) -> str:
        """An admin-API token with role executor, for the verify endpoint."""
        return self.admin("POST", "/tokens", {"name": "crm-executor", "roles": ["executor"]})["token"]

    @contextlib.contextmanager
    def suspended(self, agent: str):
        """Suspends an agent of tenant demo for the ``with`` block, then resumes it."""
        self.admin("POST", f"/tenants/demo/agents/{agent}/suspend")
        try:
            yield
        finally:
            self.admin("POST", f"/tenants/demo/agents/{agent}/resume")

    def approve(self, approval_id: str) -> None:
        self.admin("POST", f"/tenants/demo/approvals/{approval_id}/approve", token=self.approver())

    def deny(self, approval_id: str) -> None:
        self.admin("POST", f"/tenants/demo/approvals/{approval_id}/deny", token=self.approver())

    def run_story(self, run_id: str) -> dict:
        """One run of tenant demo as the admin API shows it: ``run`` (its status, who ended it) and ``records``, its story."""
        return self.admin("GET", f"/tenants/demo/runs/{run_id}?limit=1000")

    def run_records(self, run_id: str) -> list[dict]:
        """A run's story: every record of it in the audit journal, in order (its start, each action and event)."""
        return self.run_story(run_id)["records"]

    def cancel_run(self, run_id: str, reason: str = "stopped by the test's operator") -> dict:
        """An operator cancels a run of tenant demo through the admin API."""
        return self.admin("POST", f"/tenants/demo/runs/{run_id}/cancel", {"reason": reason})

    def count(self, path: str) -> int:
        return sum(1 for p in self.upstream.paths() if p == path)

    def stop(self) -> None:
        subprocess.run([str(LAUNCHER), "stop", self._work], check=False, capture_output=True)
        shutil.rmtree(self._work, ignore_errors=True)
        self.upstream.close()


_environment: Environment | None = None
_lock = threading.Lock()


def environment() -> Environment:
    """The one gateway of this run (started on first use, stopped at exit)."""
    global _environment
    with _lock:
        if _environment is None:
            _environment = Environment()
            atexit.register(_environment.stop)
        return _environment


class ManualClock:
    """A clock a test moves by hand (seconds since the epoch), for caches and expiry."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def local_server(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """A real http.server on a free loopback port, serving ``handler`` in daemon threads: the server (end it with
    :func:`stop_server`) and its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def stop_server(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def eventually(predicate, what: str, timeout: float = 20.0):
    """Polls until ``predicate()`` is truthy (no wall-clock assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class TamperingRelay:
    """Forwards each request to the real gateway unchanged and rewrites the answer's decision token (or
    warrant) to name another agent, as a confused or hostile intermediary would."""

    def __init__(self, gateway_base_url: str, other_agent: str = "another-agent") -> None:
        def rename(token: str) -> str:
            version, payload, mac = token.split(".")
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            claims["aid"] = other_agent
            encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
            return ".".join([version, encoded, mac])

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
                request = urllib.request.Request(gateway_base_url + self.path, data=body, headers=headers, method=self.command)
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, text = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, text = error.code, error.read()
                answer = json.loads(text)
                for member in ("decision_token", "warrant"):
                    if isinstance(answer.get(member), str):
                        answer[member] = rename(answer[member])
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
