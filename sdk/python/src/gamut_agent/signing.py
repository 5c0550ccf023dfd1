"""The agent protocol's request signature: the nine-line canonical string and ``v1=`` HMAC-SHA256.

A request acting for a person carries their identity token in ``X-Gamut-Person``, and the canonical string a tenth
line, the token's SHA-256, so the signature binds the token to that one request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
from collections.abc import Mapping

from .errors import GamutSecretMaterialError

SCHEME = "GAMUT-HMAC-SHA256-V1"

#: The header carrying the identity token of the person the agent acts for (a protocol extension).
PERSON_HEADER = "X-Gamut-Person"


def body_sha256(body: bytes = b"") -> str:
    """Lowercase hex SHA-256 of the body bytes (of the empty string when there is no body)."""
    return hashlib.sha256(body or b"").hexdigest()


def canonical_string(*, method: str, target: str, tenant: str, workspace: str, agent: str, timestamp: int | str,
                     nonce: str, body: bytes | str = b"", person_token: str | None = None) -> str:
    """The nine lines joined by ``\\n``, no trailing newline. ``body`` is the exact bytes (or UTF-8 text) sent. With
    ``person_token`` (the ``X-Gamut-Person`` value), a tenth line: its lowercase hex SHA-256."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    lines = [SCHEME, method.upper(), target, tenant, workspace, agent, str(timestamp), nonce, body_sha256(raw)]
    if person_token is not None:
        lines.append(body_sha256(person_token.encode("utf-8")))
    return "\n".join(lines)


def sign(secret: str, canonical: str) -> str:
    """``v1=`` + lowercase hex HMAC-SHA256(UTF-8 bytes of the secret, canonical string)."""
    return "v1=" + hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def fresh_nonce() -> str:
    """32 characters of ``[A-Za-z0-9_-]`` from 24 random bytes."""
    return base64.urlsafe_b64encode(os.urandom(24)).decode("ascii")


def signature_headers(*, tenant: str, workspace: str, agent_id: str, secret: str, method: str, target: str,
                      body: bytes = b"", now: float | None = None, headers: Mapping[str, str] | None = None,
                      person_token: str | None = None) -> dict[str, str]:
    """The six ``X-Gamut-*`` headers for one request (and ``X-Gamut-Person``, covered by the signature, with ``person_token``).

    Raises :class:`GamutSecretMaterialError` (findings ``{"path": "target" | "body" | "header:<name>", "kind":
    "agent_secret"}``, never the value), before anything is signed, when the agent's own secret appears in the
    request: in ``target`` verbatim or after percent-decoding repeatedly until nothing changes (in the query also with
    ``+`` read as a space), in ``body`` as UTF-8 bytes or, for a JSON body, in a string once its escapes are undone, or
    in the value of one of ``headers`` (the other headers to be sent, when the caller has them)."""
    findings = agent_secret_findings(secret, target, body, headers)
    if findings:
        raise GamutSecretMaterialError(findings)
    timestamp = int(time.time() if now is None else now)
    nonce = fresh_nonce()
    canonical = canonical_string(method=method, target=target, tenant=tenant, workspace=workspace, agent=agent_id,
                                 timestamp=timestamp, nonce=nonce, body=body, person_token=person_token)
    return {
        **({} if person_token is None else {PERSON_HEADER: person_token}),
        "X-Gamut-Tenant": tenant,
        "X-Gamut-Workspace": workspace,
        "X-Gamut-Agent": agent_id,
        "X-Gamut-Timestamp": str(timestamp),
        "X-Gamut-Nonce": nonce,
        "X-Gamut-Signature": sign(secret, canonical),
    }


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _decodes_to(text: str, secret: str, plus: bool) -> bool:
    while True:
        text = text.replace("+", " ") if plus else text
        if secret in text:
            return True
        decoded = _ESCAPES.sub(lambda m: bytes.fromhex(m.group().replace("%", "")).decode("utf-8", "replace"), text)
        if decoded == text:
            return False
        text = decoded


def _json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _in_json(body: bytes, secret: str) -> bool:
    try:  # objects as lists of their keys and values, so that a duplicate key's earlier value is seen too
        return any(secret in s for s in _json_strings(json.loads(body, object_pairs_hook=lambda pairs: [x for pair in pairs for x in pair])))
    except (ValueError, RecursionError):
        return False


def agent_secret_findings(secret: str, target: str, body: bytes = b"", headers: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """Where the agent's own secret appears in a request (see :func:`signature_headers`): ``target``, ``body`` or
    ``header:<name>``."""
    if not secret:
        return []
    findings = []
    query = target.partition("?")[2]
    if _decodes_to(target, secret, False) or _decodes_to(query, secret, True):
        findings.append({"path": "target", "kind": "agent_secret"})
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    if secret.encode("utf-8") in raw or (b"\\" in raw and _in_json(raw, secret)):
        findings.append({"path": "body", "kind": "agent_secret"})
    findings.extend({"path": f"header:{name}", "kind": "agent_secret"} for name, value in (headers or {}).items() if secret in str(value))
    return findings
