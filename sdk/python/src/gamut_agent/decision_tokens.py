"""For executors (services that act on the gateway's decisions): verify a decision token offline with the gateway's
decision signing key, then ask the gateway whether it has been revoked since (standard library only)."""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable

from .config import is_insecure_http

__all__ = [
    "DecisionTokenCheck", "DecisionTokenClaims", "DecisionTokenStatus", "DecisionTokenVerifier",
    "GatewayDecisionTokenVerifier", "OfflineVerification", "gateway_key",
]

_PREFIX = "v1."
_MAX_LIFETIME_SECONDS = 300
_MAX_LIVE_CACHE = 5.0
_MAX_ANSWER_BYTES = 64 * 1024
_PRUNE_THRESHOLD = 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_REASON_CODE = re.compile(r"[a-z0-9_]{1,64}")
_ALLOW_FAMILY = frozenset({"allow", "allow_and_log", "degrade"})
_OTHER_DECISIONS = frozenset({"require_approval", "block", "block_and_open_incident"})
_DEGRADE_MODES = frozenset({"redact", "read_only", "dry_run", "route", "mask"})

# The payload's members: wire name, claim name, type; the first eight are required.
_MEMBERS = (
    ("tid", "tenant", str), ("aid", "agent", str), ("tool", "tool", str), ("act", "intent_digest", str),
    ("dec", "decision", str), ("iat", "issued_at", int), ("exp", "expires_at", int), ("jti", "token_id", str),
    ("deg", "degrade_mode", str), ("tgn", "tenant_generation", int), ("agn", "agent_generation", int),
    ("pol", "policy_digest", str), ("rid", "request_id", str), ("apr", "approval_id", str), ("evl", "evaluation", bool),
)
_REQUIRED = 8


def gateway_key(text: str) -> bytes:
    """A gateway key's bytes from its text, as the gateway reads DECISION_SIGNING_KEY and GATEWAY_SERVICE_KEY: hex
    when the text is an even number of hex digits, otherwise base64; at least 32 bytes."""
    trimmed = text.strip()
    try:
        key = bytes.fromhex(trimmed) if re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", trimmed) else base64.b64decode(trimmed, validate=True)
    except (ValueError, binascii.Error):
        key = b""
    if len(key) < 32:
        raise ValueError("A gateway key is base64 or hex of at least 32 bytes.")
    return key


@dataclass(frozen=True)
class DecisionTokenClaims:
    """The claims of a decision token; the ones from ``tenant_generation`` on are absent (None) from tokens issued
    before revocable decision tokens."""

    tenant: str
    agent: str
    tool: str
    intent_digest: str
    decision: str
    issued_at: int
    expires_at: int
    token_id: str
    degrade_mode: str | None = None
    tenant_generation: int | None = None
    agent_generation: int | None = None
    policy_digest: str | None = None
    request_id: str | None = None
    approval_id: str | None = None
    evaluation: bool | None = None

    @property
    def is_evaluation(self) -> bool:
        """True on a token from ``POST /v1/evaluate`` (``evl``)."""
        return self.evaluation is True


@dataclass(frozen=True)
class OfflineVerification:
    """The offline check: ``reason`` is None when valid, else a stable code (missing, malformed, unsupported_version,
    bad_signature, expired, not_yet_valid, lifetime_too_long, decision_not_allowed, wrong_tenant, wrong_tool,
    wrong_intent)."""

    valid: bool
    reason: str | None
    claims: DecisionTokenClaims | None


class DecisionTokenStatus(str, enum.Enum):
    """What a decision token was found to be."""

    LIVE = "live"
    REVOKED = "revoked"
    EXPIRED = "expired"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class DecisionTokenCheck:
    """The outcome of :meth:`GatewayDecisionTokenVerifier.verify`: act only when :attr:`live`. ``reason`` is None when
    live; otherwise the offline reason, the gateway's (agent_revoked, tenant_revoked, policy_changed, approval_revoked,
    used, not_recorded, signature_invalid, ...) or, for unavailable, gateway_unreachable, timeout, gateway_error,
    credential_refused or unexpected_answer. ``claims`` is set when the signature verified offline and the gateway
    answered about the token."""

    status: DecisionTokenStatus
    reason: str | None
    claims: DecisionTokenClaims | None

    @property
    def live(self) -> bool:
        return self.status is DecisionTokenStatus.LIVE


def _check_key(key: bytes | str) -> bytes:
    data = gateway_key(key) if isinstance(key, str) else bytes(key)
    if len(data) < 32:
        raise ValueError("The decision signing key must be at least 32 bytes.")
    return data


def _check_skew(clock_skew: float) -> int:
    if not 0 <= clock_skew <= 60:
        raise ValueError("clock_skew must be between 0 and 60 seconds.")
    return int(clock_skew)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DecisionTokenVerifier:
    """Offline: the signature (constant time), a lifetime of at most 300 s, expiry and not-before with a skew, the
    allow family, the expected tenant and tool (both required: a token is about one action, and an executor that did not
    say which action it verifies would accept a token for any) and optionally the intent digest. It cannot see a revocation: an executor
    that must honour one uses :class:`GatewayDecisionTokenVerifier`, which runs this check first."""

    def __init__(self, key: bytes | str, *, clock_skew: float = 5.0, clock: Callable[[], float] = time.time) -> None:
        self._key = _check_key(key)
        self._skew = _check_skew(clock_skew)
        self._clock = clock

    def __repr__(self) -> str:
        return f"DecisionTokenVerifier(clock_skew={self._skew})"

    def verify(self, token: str | None, *, tenant: str, tool: str, intent_digest: str | None = None) -> OfflineVerification:
        """Never raises for a bad token; raises ValueError when the tenant or the tool (the action the token must be for) is not named."""
        if not isinstance(tenant, str) or not tenant:
            raise ValueError("The expected tenant is required.")
        if not isinstance(tool, str) or not tool:
            raise ValueError("The expected tool (the action the token must be for) is required.")
        if not isinstance(token, str) or not token:
            return _fail("missing")
        if not token.startswith(_PREFIX):
            return _fail("unsupported_version" if "." in token and token[0].isascii() and token[0].isalpha() else "malformed")
        parts = token.split(".")
        if len(parts) != 3 or not _BASE64URL.fullmatch(parts[1]) or not _BASE64URL.fullmatch(parts[2]):
            return _fail("malformed")
        try:
            presented = _b64url(parts[2])
        except (ValueError, binascii.Error):
            return _fail("malformed")
        if len(presented) != 32:
            return _fail("malformed")
        expected = hmac.new(self._key, (_PREFIX + parts[1]).encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, presented):
            return _fail("bad_signature")
        claims = _read_payload(parts[1])
        if claims is None:
            return _fail("malformed")
        now = int(self._clock())
        if claims.expires_at - claims.issued_at > _MAX_LIFETIME_SECONDS or claims.expires_at < claims.issued_at:
            return _fail("lifetime_too_long")
        if now > claims.expires_at + self._skew:
            return _fail("expired")
        if now < claims.issued_at - self._skew:
            return _fail("not_yet_valid")
        if claims.decision not in _ALLOW_FAMILY:
            return _fail("decision_not_allowed")
        if claims.tenant != tenant:
            return _fail("wrong_tenant")
        if claims.tool != tool:
            return _fail("wrong_tool")
        if intent_digest is not None and claims.intent_digest != intent_digest:
            return _fail("wrong_intent")
        return OfflineVerification(True, None, claims)


def _fail(reason: str) -> OfflineVerification:
    return OfflineVerification(False, reason, None)


def _read_payload(part: str) -> DecisionTokenClaims | None:
    """The claims, or None when the payload is not the protocol's (missing members, wrong types). A member this version
    does not know is skipped: a newer gateway adds claims, and the signature covers them all."""
    try:
        payload = json.loads(_b64url(part).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    values: dict[str, Any] = {}
    for index, (wire, name, kind) in enumerate(_MEMBERS):
        value = payload.get(wire)
        if value is None:
            if index < _REQUIRED:
                return None
            continue
        # bool is an int in Python: an integer member must not be true/false, nor a float.
        if kind is int and (type(value) is not int or (wire in ("tgn", "agn") and value < 0)):
            return None
        if kind is not int and type(value) is not kind:
            return None
        values[name] = value
    if values["decision"] not in _ALLOW_FAMILY | _OTHER_DECISIONS:
        return None
    if "degrade_mode" in values and values["degrade_mode"] not in _DEGRADE_MODES:
        return None
    return DecisionTokenClaims(**values)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - the credential is never sent elsewhere
        return None


def _unavailable(reason: str) -> DecisionTokenCheck:
    return DecisionTokenCheck(DecisionTokenStatus.UNAVAILABLE, reason, None)


_UNEXPECTED = _unavailable("unexpected_answer")


class GatewayDecisionTokenVerifier:
    """For an executor: the offline check, then ``POST {gateway_url}/v1/decision-tokens/verify`` with the executor's
    credential (an admin-API token with role ``executor``). A token failing offline is answered without a call. A live
    answer is reused for the same token (the whole token, by its SHA-256: never another token of the same id, which a
    holder of the signing key could write for another tool) for at most ``live_cache`` seconds (default 2, at most 5,
    0 = never), a revoked one until the token expires. When the gateway cannot answer (connection error, timeout, 5xx, a refused
    credential, an unexpected answer) the result is unavailable (never live, not cached). Results, errors and the
    repr never hold the token or the credential. Thread-safe; share one instance. A plain-http ``gateway_url`` is
    refused unless its host is loopback or ``allow_insecure_http`` is True."""

    def __init__(self, *, gateway_url: str, executor_token: str, decision_signing_key: bytes | str,
                 live_cache: float = 2.0, timeout: float = 2.0, clock_skew: float = 5.0,
                 clock: Callable[[], float] = time.time, allow_insecure_http: bool = False) -> None:
        if not isinstance(gateway_url, str) or not re.match(r"https?://[^/]", gateway_url):
            raise ValueError("gateway_url must be an absolute http(s) URL.")
        if not isinstance(allow_insecure_http, bool):
            raise ValueError("allow_insecure_http must be True or False.")
        url = urllib.parse.urlsplit(gateway_url)
        if is_insecure_http(url.scheme.lower(), url.hostname or "", allow_insecure_http):
            raise ValueError(f"gateway_url is plain http:// to {url.hostname}, a host other than loopback: the executor token and the "
                             "tokens verified would cross the network in clear. Use https://, or set allow_insecure_http=True only where "
                             "that network is trusted (e.g. a cluster-internal Service).")
        if not isinstance(executor_token, str) or not executor_token.strip():
            raise ValueError("executor_token is required.")
        if not 0 <= live_cache <= _MAX_LIVE_CACHE:
            raise ValueError("live_cache must be between 0 and 5 seconds.")
        if not timeout or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds.")
        self._offline = DecisionTokenVerifier(decision_signing_key, clock_skew=clock_skew, clock=clock)
        self._endpoint = gateway_url.rstrip("/") + "/v1/decision-tokens/verify"
        self._executor_token = executor_token
        self._live_cache = float(live_cache)
        self._timeout = float(timeout)
        self._skew = _check_skew(clock_skew)
        self._clock = clock
        self._http = urllib.request.build_opener(_NoRedirect)
        self._answers: dict[str, tuple[DecisionTokenCheck, float]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GatewayDecisionTokenVerifier(endpoint={self._endpoint!r}, live_cache={self._live_cache}, timeout={self._timeout})"

    def verify(self, token: str | None, *, tenant: str, tool: str, intent_digest: str | None = None,
               consume: bool = False) -> DecisionTokenCheck:
        """The check for the action the executor is about to carry out: ``tool`` in ``tenant`` (both required; and,
        when given, ``intent_digest``). Act only when the result is live. With ``consume=True`` the token is used up:
        the gateway answers live to one consuming call only, across its replicas, and revoked/``used`` to every later
        one (a live answer is then neither taken from nor put in the cache). Never raises for a bad token or a failing
        gateway; raises ValueError when the tenant or the tool is not named."""
        offline = self._offline.verify(token, tenant=tenant, tool=tool, intent_digest=intent_digest)
        if not offline.valid:
            status = DecisionTokenStatus.EXPIRED if offline.reason == "expired" else DecisionTokenStatus.INVALID
            return DecisionTokenCheck(status, offline.reason, None)
        claims = offline.claims
        key = _cache_key(token)
        with self._lock:
            cached = self._answers.get(key)
        if cached is not None and self._clock() < cached[1] and not (consume and cached[0].live):
            return cached[0]
        answer = self._ask(token, claims, consume)
        if not (consume and answer.live):
            self._remember(key, claims, answer)
        return answer

    def consume(self, token: str | None, *, tenant: str, tool: str, intent_digest: str | None = None) -> DecisionTokenCheck:
        """:meth:`verify` with ``consume=True``: live once only."""
        return self.verify(token, tenant=tenant, tool=tool, intent_digest=intent_digest, consume=True)

    def _ask(self, token: str, claims: DecisionTokenClaims, consume: bool) -> DecisionTokenCheck:
        request = urllib.request.Request(
            self._endpoint, data=json.dumps({"token": token, "consume": True} if consume else {"token": token}).encode("utf-8"), method="POST",
            headers={"Authorization": f"Bearer {self._executor_token}", "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with self._http.open(request, timeout=self._timeout) as response:
                media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if response.status != 200 or media_type != "application/json":
                    return _UNEXPECTED
                body = response.read(_MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code in (401, 403):
                return _unavailable("credential_refused")
            return _unavailable("gateway_error") if error.code >= 500 else _UNEXPECTED
        except (TimeoutError, socket.timeout):
            return _unavailable("timeout")
        except urllib.error.URLError as error:
            return _unavailable("timeout" if isinstance(error.reason, (TimeoutError, socket.timeout)) else "gateway_unreachable")
        except (OSError, ValueError):
            return _unavailable("gateway_unreachable")
        return _UNEXPECTED if len(body) > _MAX_ANSWER_BYTES else _read_answer(body, claims, consume)

    def _remember(self, key: str, claims: DecisionTokenClaims, answer: DecisionTokenCheck) -> None:
        now = self._clock()
        last_valid = claims.expires_at + self._skew
        if answer.status is DecisionTokenStatus.LIVE and self._live_cache > 0:
            until = min(now + self._live_cache, last_valid)
        elif answer.status is DecisionTokenStatus.REVOKED:
            until = last_valid
        else:
            return
        with self._lock:
            if len(self._answers) >= _PRUNE_THRESHOLD:
                for expired in [k for k, (_, u) in self._answers.items() if u <= now]:
                    del self._answers[expired]
            self._answers[key] = (answer, until)


def _cache_key(token: str) -> str:
    """The cache's key: the SHA-256 of the whole token (its signature included), so only the very token answered is answered again."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _read_answer(body: bytes, claims: DecisionTokenClaims, consume: bool = False) -> DecisionTokenCheck:
    """The gateway's 200 answer for a token whose claims verified offline; anything but the documented shape is unexpected.
    A consuming call is live only with ``"consumed": true`` (a gateway that does not consume is never taken as having done so)."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _UNEXPECTED
    if not isinstance(parsed, dict):
        return _UNEXPECTED

    def string(name: str) -> str | None:
        value = parsed.get(name)
        return value if isinstance(value, str) else None

    status, reason = string("status"), string("reason")
    same_token = string("token_id") == claims.token_id
    if reason is not None and not _REASON_CODE.fullmatch(reason):
        return _UNEXPECTED
    if status == "live" and reason is None and same_token and (not consume or parsed.get("consumed") is True):
        return DecisionTokenCheck(DecisionTokenStatus.LIVE, None, claims)
    if status == "revoked" and reason is not None and same_token:
        return DecisionTokenCheck(DecisionTokenStatus.REVOKED, reason, claims)
    if status == "expired" and same_token:
        return DecisionTokenCheck(DecisionTokenStatus.EXPIRED, reason or "expired", claims)
    if status == "invalid" and reason is not None:
        return DecisionTokenCheck(DecisionTokenStatus.INVALID, reason, claims)
    return _UNEXPECTED
