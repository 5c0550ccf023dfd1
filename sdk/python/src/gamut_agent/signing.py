"""The agent protocol's request signature: the nine-line canonical string and ``v1=`` HMAC-SHA256."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time

SCHEME = "GAMUT-HMAC-SHA256-V1"


def body_sha256(body: bytes = b"") -> str:
    """Lowercase hex SHA-256 of the body bytes (of the empty string when there is no body)."""
    return hashlib.sha256(body or b"").hexdigest()


def canonical_string(*, method: str, target: str, tenant: str, workspace: str, agent: str, timestamp: int | str,
                     nonce: str, body: bytes | str = b"") -> str:
    """The nine lines joined by ``\\n``, no trailing newline. ``body`` is the exact bytes (or UTF-8 text) sent."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return "\n".join([SCHEME, method.upper(), target, tenant, workspace, agent, str(timestamp), nonce, body_sha256(raw)])


def sign(secret: str, canonical: str) -> str:
    """``v1=`` + lowercase hex HMAC-SHA256(UTF-8 bytes of the secret, canonical string)."""
    return "v1=" + hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def fresh_nonce() -> str:
    """32 characters of ``[A-Za-z0-9_-]`` from 24 random bytes."""
    return base64.urlsafe_b64encode(os.urandom(24)).decode("ascii")


def signature_headers(*, tenant: str, workspace: str, agent_id: str, secret: str, method: str, target: str,
                      body: bytes = b"", now: float | None = None) -> dict[str, str]:
    """The six ``X-Gamut-*`` headers for one request."""
    timestamp = int(time.time() if now is None else now)
    nonce = fresh_nonce()
    canonical = canonical_string(method=method, target=target, tenant=tenant, workspace=workspace, agent=agent_id,
                                 timestamp=timestamp, nonce=nonce, body=body)
    return {
        "X-Gamut-Tenant": tenant,
        "X-Gamut-Workspace": workspace,
        "X-Gamut-Agent": agent_id,
        "X-Gamut-Timestamp": str(timestamp),
        "X-Gamut-Nonce": nonce,
        "X-Gamut-Signature": sign(secret, canonical),
    }
