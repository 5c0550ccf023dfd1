"""The HTTP under every call of :class:`GamutClient`: one signed request to the gateway, bounded as a whole by the
client's timeout (connection, answer and body, as in the Node and .NET SDKs), and the typed error of an error status."""

from __future__ import annotations

import http.client
import json
import math
import socket
import threading
import time
from time import monotonic
import urllib.error
import urllib.request
from typing import Any

from .detector import find_secret_material
from .errors import (
    GamutApprovalRequiredError, GamutAuthenticationError, GamutDeniedError, GamutHttpError, GamutProtocolError,
    GamutRateLimitedError, GamutRunCancelledError, GamutRunEndedError, GamutSecretMaterialError, GamutTimeoutError,
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follows a redirect: the signed request stays with the gateway, and a 3xx is its answer."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - a signed call is never redirected
        return None


class _Deadline:
    """Closes the call's connection when its time is up: a socket timeout bounds each read only, so an answer sent a
    byte at a time would otherwise hold the call for as long as the sender likes."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        """Closes ``sock`` at the deadline (urllib drops the connection's reference once the answer's headers are in)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _timed(connection_class: type, request: urllib.request.Request):
    """A connection class whose connections the request's deadline (if any) closes when it expires."""
    deadline: _Deadline | None = getattr(request, "gamut_deadline", None)

    class TimedConnection(connection_class):
        def connect(self) -> None:
            super().connect()
            if deadline is not None and self.sock is not None:
                deadline.watch(self.sock)

    return TimedConnection


class _TimedHttpHandler(urllib.request.HTTPHandler):
    def http_open(self, req):  # noqa: D102 - as HTTPHandler.http_open
        return self.do_open(_timed(http.client.HTTPConnection, req), req)


class _TimedHttpsHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):  # noqa: D102 - as HTTPSHandler.https_open
        return self.do_open(_timed(http.client.HTTPSConnection, req), req, context=self._context)


def gateway_opener() -> urllib.request.OpenerDirector:
    """The opener of the client's own calls: no redirects, each call's connection closed at its deadline."""
    return urllib.request.build_opener(NoRedirect, _TimedHttpHandler, _TimedHttpsHandler)


class GatewayCalls:
    """The signed exchange of :class:`GamutClient` (a mixin: it needs ``_config``, ``_timeout``, ``_http`` and
    ``signature_headers``)."""

    def _request(self, method: str, target: str, body: dict | None, timeout: float | None, person: str | None = None) -> dict:
        # The call's timeout bounds the whole call: both exchanges of a resend and the wait between them.
        start, limit = monotonic(), timeout or self._timeout
        status, _, text, retry_after = self._exchange(method, target, body, limit, person)
        parsed = _parse(text)
        wait = _outdated_wait(status, parsed, retry_after, limit - (monotonic() - start))
        if wait is not None:
            # 503 decision_outdated: refused before anything was forwarded, and the same request with a new nonce (signed
            # afresh by _exchange) is decided on what the store read: sent once more after the answer's wait, within what
            # is left of the call's timeout.
            time.sleep(wait)
            status, _, text, retry_after = self._exchange(method, target, body, limit, person, left=limit - (monotonic() - start))
            parsed = _parse(text)
        if not 200 <= status <= 299:
            raise _error_for(status, parsed if isinstance(parsed, dict) else None, retry_after)
        if not isinstance(parsed, dict):
            raise GamutProtocolError(f"The gateway answered {status} without a JSON object.")
        return parsed

    def _exchange(self, method: str, target: str, body: dict | None, timeout: float | None, person: str | None = None,
                  accept: str = "application/json, application/problem+json", left: float | None = None) -> tuple[int, str, bytes, str | None]:
        """Sends one signed request: ``(status, content type, body, Retry-After)`` whatever the status, within the timeout
        (``left``: what is left of the call's timeout, for a resend)."""
        data = None
        if body is not None:
            findings = find_secret_material(body)
            if findings:
                raise GamutSecretMaterialError(findings)
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        # A person's token (per call, else the client's) rides in X-Gamut-Person, covered by the signature.
        headers = self.signature_headers(method, target, data or b"", person_token=person, target_uri=self._config.base_url + target)
        headers["Accept"] = accept
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self._config.base_url + target, data=data, headers=headers, method=method.upper())
        limit = timeout or self._timeout
        if left is not None and left <= 0:
            raise _timed_out(limit)  # nothing left of the call's timeout: not sent
        with _Deadline(left or limit) as deadline:
            request.gamut_deadline = deadline
            try:
                with self._http.open(request, timeout=left or limit) as response:
                    # Retry-After on a 2xx too: a JSON-RPC refusal (A2A) is answered 200 with it.
                    status, kind, text, retry_after = (response.status, response.headers.get("Content-Type", ""), response.read(),
                                                       response.headers.get("Retry-After"))
            except urllib.error.HTTPError as error:
                status, kind, text, retry_after = error.code, error.headers.get("Content-Type", ""), _read(error), error.headers.get("Retry-After")
            except (TimeoutError, socket.timeout) as error:
                raise _timed_out(limit) from error
            except urllib.error.URLError as error:
                if deadline.expired or isinstance(error.reason, (TimeoutError, socket.timeout)):
                    raise _timed_out(limit) from error
                raise GamutHttpError(f"The gateway could not be reached: {error.reason}.", code="gateway_unreachable") from error
            except (http.client.HTTPException, OSError) as error:
                if deadline.expired:
                    raise _timed_out(limit) from error
                raise
            if deadline.expired:
                raise _timed_out(limit)  # the answer was cut off at the deadline: what arrived is not the whole answer
        return status, kind, text, retry_after


MAX_OUTDATED_WAIT_SECONDS = 5.0
"""The longest ``Retry-After`` a 503 ``decision_outdated`` is waited out for before its one resend."""


def _parse(text: bytes) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _outdated_wait(status: int, parsed: Any, retry_after: str | None, left: float) -> float | None:
    """The seconds to wait before resending a 503 ``decision_outdated`` (1 when Retry-After names none), or None when it
    is not resent: a wait over 5 s, or not shorter than what is ``left`` of the call's timeout."""
    if status != 503 or not isinstance(parsed, dict) or parsed.get("code") != "decision_outdated":
        return None
    wait = 1.0 if retry_after is None else retry_after_seconds(retry_after)
    return wait if wait is not None and wait <= MAX_OUTDATED_WAIT_SECONDS and wait < left else None


def _timed_out(limit: float) -> GamutTimeoutError:
    return GamutTimeoutError(f"No answer from the gateway within {limit} s; the call is not retried.", code="timeout")


def _read(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read()
    except (OSError, ValueError):
        return b""


def _error_for(status: int, problem: dict[str, Any] | None, retry_after: str | None) -> GamutHttpError:
    problem = problem or {}
    code = problem.get("code") or f"http_{status}"
    message = f"{problem.get('detail') or f'The gateway answered {status}.'} ({code}, HTTP {status})"
    details = {"status": status, "code": code, "decision": problem.get("decision"), "explanation": problem.get("explanation"),
               "request_id": problem.get("request_id"), "problem": problem}
    error = _typed(status, code, problem)(message, **details)
    error.retry_after_seconds = retry_after_seconds(retry_after)
    return error


def _typed(status: int, code: str, problem: dict[str, Any]) -> type[GamutHttpError]:
    """The error class of an answer's status and code."""
    if status == 401:
        return GamutAuthenticationError
    if status == 403:
        return GamutDeniedError
    if status == 409 and problem.get("approval"):
        return GamutApprovalRequiredError
    if status == 409 and code == "run_cancelled":
        return GamutRunCancelledError
    if status == 409 and code == "run_ended":
        return GamutRunEndedError
    return GamutRateLimitedError if status == 429 else GamutHttpError


def retry_after_seconds(retry_after: str | None) -> float | None:
    """Retry-After's seconds; None when absent or not a non-negative number of seconds."""
    try:
        seconds = float(retry_after) if retry_after else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None
