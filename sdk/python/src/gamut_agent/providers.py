"""Provider-native clients signed for you: a urllib handler (used by :meth:`GamutClient.opener`) and an
``httpx.Auth`` (httpx is imported only when asked for). Both sign every request, refuse any URL but the
gateway's, refuse secret material in JSON bodies, and drop an ``Authorization`` header: the gateway
injects the provider credential. Responses are not buffered, so streams stream."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Iterable
from urllib.parse import urlsplit

from .detector import find_secret_material
from .errors import GamutConfigurationError, GamutSecretMaterialError, GamutTimeoutError

if TYPE_CHECKING:
    from .client import GamutClient


def _check_target(client: "GamutClient", url: str) -> str:
    base, target = urlsplit(client.base_url), urlsplit(url)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc):
        raise GamutConfigurationError(f"Refused a request to {target.scheme}://{target.netloc}: a Gamut agent sends requests to its gateway only.")
    return target.path + (f"?{target.query}" if target.query else "")


def _check_body(body: bytes, content_type: str | None) -> None:
    if not body or "json" not in (content_type or "application/json").lower():
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        return
    findings = find_secret_material(parsed)
    if findings:
        raise GamutSecretMaterialError(findings)


class SigningHandler(urllib.request.BaseHandler):
    """Signs each urllib request to the gateway (the body must be bytes)."""

    handler_order = 900  # after the default handlers have set Content-Type and Host

    def __init__(self, client: "GamutClient") -> None:
        self._client = client

    def _sign(self, request: urllib.request.Request) -> urllib.request.Request:
        _check_target(self._client, request.full_url)
        body = request.data if request.data is not None else b""
        if not isinstance(body, (bytes, bytearray)):
            raise GamutConfigurationError("A signed request needs its body as bytes (the signature covers the exact bytes).")
        _check_body(bytes(body), request.get_header("Content-type") or request.unredirected_hdrs.get("Content-type"))
        for name in list(request.headers):
            if name.lower() == "authorization":
                del request.headers[name]
        request.unredirected_hdrs.pop("Authorization", None)
        sent = {**request.headers, **request.unredirected_hdrs}
        for name, value in self._client.signature_headers(request.get_method(), request.selector, bytes(body), sent, target_uri=request.full_url).items():
            request.add_unredirected_header(name, value)
        return request

    http_request = _sign
    https_request = _sign


class GatewayOpener(urllib.request.OpenerDirector):
    """The opener of :meth:`GamutClient.opener`: ``open`` without a ``timeout`` waits the client's; a connection or an
    answer (status and headers) that does not come within it raises GamutTimeoutError, and the request is not retried.
    The timeout then bounds each read of the body, so a stream flows as long as it keeps sending."""

    def __init__(self, timeout: float, handlers: Iterable[urllib.request.BaseHandler]) -> None:
        super().__init__()
        self._timeout = timeout
        for handler in handlers:
            self.add_handler(handler)

    def open(self, fullurl, data=None, timeout=socket._GLOBAL_DEFAULT_TIMEOUT):  # noqa: D102 - as OpenerDirector.open
        limit = self._timeout if timeout is socket._GLOBAL_DEFAULT_TIMEOUT else timeout
        try:
            return super().open(fullurl, data, limit)
        except (TimeoutError, socket.timeout) as error:
            raise GamutTimeoutError(f"No answer from the gateway within {limit} s; the call is not retried.", code="timeout") from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, socket.timeout)):
                raise GamutTimeoutError(f"No answer from the gateway within {limit} s; the call is not retried.", code="timeout") from error
            raise


def httpx_auth(client: "GamutClient"):
    """An ``httpx.Auth`` that signs each request. Raises ImportError with a clear message when httpx is absent."""
    try:
        import httpx  # noqa: PLC0415 - optional, imported lazily
    except ImportError as exc:
        raise ImportError("gamut_agent.httpx_auth needs the 'httpx' package; without it use GamutClient.opener() (urllib).") from exc

    class GamutHttpxAuth(httpx.Auth):
        requires_request_body = True

        def auth_flow(self, request):
            target = _check_target(client, str(request.url))
            body = request.content
            _check_body(body, request.headers.get("content-type"))
            request.headers.pop("authorization", None)
            for name, value in client.signature_headers(request.method, request.url.raw_path.decode("ascii"), body, request.headers, target_uri=str(request.url)).items():
                request.headers[name] = value
            del target
            yield request

    return GamutHttpxAuth()
