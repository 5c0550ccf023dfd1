"""Provider-native clients signed for you: a urllib handler (used by :meth:`GamutClient.opener`), an ``httpx.Auth``
and the httpx clients built on it (httpx is imported only when asked for). All sign every request, refuse any URL but
the gateway's, refuse secret material in JSON bodies, and drop an ``Authorization`` header: the gateway injects the
provider credential. The opener and the httpx clients never follow a redirect: a signed request goes to the URL it was
signed for only (the bare auth relies on its client for that). Responses are not buffered, so streams stream."""

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
        # urllib sends the method as given and the gateway reads @method as sent: it goes out upper-cased, as it is signed.
        request.method = request.get_method().upper()
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


def _httpx():
    try:
        import httpx  # noqa: PLC0415 - optional, imported lazily
    except ImportError as exc:
        raise ImportError("gamut_agent's httpx support needs the 'httpx' package; without it use GamutClient.opener() (urllib).") from exc
    return httpx


#: The request extension holding the URL a request was signed for; httpx copies extensions onto a redirect's request.
SIGNED_URL_EXTENSION = "gamut.signed_url"


def _refuse_elsewhere(client: "GamutClient", request) -> None:
    """Refuses a request (before it is sent) to another origin than the gateway's, or to another URL than it was signed
    for: the hop of a followed redirect carries the signed headers, the person's token and the body."""
    _check_target(client, str(request.url))
    signed = request.extensions.get(SIGNED_URL_EXTENSION)
    if signed is not None and signed != str(request.url):
        raise GamutConfigurationError("Refused to send a request signed for one URL to another (a redirect): a signed request "
                                      "goes to the URL it was signed for only, and a redirect is answered, never followed.")


def _sent_to(request, httpx) -> tuple | None:
    """(scheme, host, port, path and query) an httpcore request is written to; None for a proxy's CONNECT."""
    if request.method == b"CONNECT":
        return None
    url = request.url
    if url.target.startswith(b"/"):
        return url.scheme, url.host, url.port, url.target
    target = httpx.URL(url.target.decode("ascii"))  # absolute form, through a forward proxy
    return target.raw_scheme, target.raw_host, target.port, target.raw_path


def _trace_guard(signed: tuple, inner, httpx, asynchronous: bool):
    """A ``trace`` request extension (httpcore calls it as it writes each request, the hops of a followed redirect
    included) that raises GamutConfigurationError before the headers of a request to another URL are written, then
    calls the caller's own ``trace``, if any."""

    def check(event: str, info: dict) -> None:
        request = info.get("request") if event.endswith(".started") else None
        sent = None if request is None else _sent_to(request, httpx)
        if sent is not None and sent != signed:
            raise GamutConfigurationError("Refused to send a request signed for one URL to another (a redirect followed by an httpx "
                                          "client with follow_redirects=True): use GamutClient.httpx_client().")

    if asynchronous:
        async def trace(event: str, info: dict) -> None:
            check(event, info)
            if inner is not None:
                await inner(event, info)
    else:
        def trace(event: str, info: dict) -> None:
            check(event, info)
            if inner is not None:
                inner(event, info)
    trace.gamut_inner = inner
    return trace


def httpx_auth(client: "GamutClient"):
    """An ``httpx.Auth`` that signs each request. Raises ImportError with a clear message when httpx is absent.

    httpx runs an auth once per request and follows redirects after it, so the auth cannot stop a client with
    ``follow_redirects=True`` from re-sending the signed headers to the redirect's URL. It marks each request so that
    httpx's own transport refuses that hop (GamutConfigurationError) before writing it, but another transport ignores
    the mark: use it in a client with ``follow_redirects=False`` (httpx's default), or use :func:`httpx_client`."""
    httpx = _httpx()

    class GamutHttpxAuth(httpx.Auth):
        requires_request_body = True

        def _sign(self, request, asynchronous: bool):
            _check_target(client, str(request.url))
            body = request.content
            _check_body(body, request.headers.get("content-type"))
            request.headers.pop("authorization", None)
            for name, value in client.signature_headers(request.method, request.url.raw_path.decode("ascii"), body, request.headers, target_uri=str(request.url)).items():
                request.headers[name] = value
            inner = request.extensions.get("trace")
            inner = getattr(inner, "gamut_inner", inner)  # a request signed again: the caller's own trace, not ours
            url = request.url
            signed = (url.raw_scheme, url.raw_host, url.port, url.raw_path)
            request.extensions = {**request.extensions, SIGNED_URL_EXTENSION: str(url),
                                  "trace": _trace_guard(signed, inner, httpx, asynchronous)}
            return request

        def auth_flow(self, request):
            yield self._sign(request, asynchronous=False)

        def sync_auth_flow(self, request):
            request.read()
            yield self._sign(request, asynchronous=False)

        async def async_auth_flow(self, request):
            await request.aread()
            yield self._sign(request, asynchronous=True)

    return GamutHttpxAuth()


def httpx_client(client: "GamutClient", asynchronous: bool = False, **options):
    """An ``httpx.Client`` (``httpx.AsyncClient`` when ``asynchronous``) that signs every request with
    :func:`httpx_auth` and never follows a redirect: ``follow_redirects`` is False (a 3xx is the answer), and a request
    event hook refuses, before sending, any request to another origin than the gateway's or to another URL than the one
    signed (a redirect followed per request). ``options`` go to httpx; ``auth`` and ``follow_redirects=True`` are
    refused. The caller's own ``event_hooks`` run after the SDK's."""
    httpx = _httpx()
    if options.get("follow_redirects"):
        raise GamutConfigurationError("A Gamut httpx client never follows redirects: the hop would carry the signed request elsewhere.")
    if options.get("auth") is not None:
        raise GamutConfigurationError("A Gamut httpx client signs with the agent's identity: it takes no other auth.")
    hooks = {name: list(value) for name, value in (options.pop("event_hooks", None) or {}).items()}
    if asynchronous:
        async def refuse(request) -> None:
            _refuse_elsewhere(client, request)
    else:
        def refuse(request) -> None:
            _refuse_elsewhere(client, request)
    hooks["request"] = [refuse, *hooks.get("request", [])]
    kind = httpx.AsyncClient if asynchronous else httpx.Client
    return kind(**{**options, "auth": httpx_auth(client), "follow_redirects": False, "event_hooks": hooks})
