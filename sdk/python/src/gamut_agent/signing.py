"""The agent protocol's request signatures: the nine-line canonical string and ``v1=`` HMAC-SHA256 (an agent with a
secret), or the RFC 9421 profile (an agent registered with a public key; the key itself is :mod:`gamut_agent.keys`).

A request acting for a person carries their identity token in ``X-Gamut-Person``, covered by the signature so that it
is bound to that one request: a tenth v1 canonical line (the token's SHA-256), or the RFC 9421 component
``x-gamut-person``. A request that belongs to a run carries its id in ``X-Gamut-Run``, covered too: the v1 canonical
string's last line (after the person's), or the RFC 9421 component ``x-gamut-run`` (after the person's)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
from collections.abc import Mapping

from .errors import GamutConfigurationError, GamutSecretMaterialError

SCHEME = "GAMUT-HMAC-SHA256-V1"

#: The header carrying the identity token of the person the agent acts for (a protocol extension).
PERSON_HEADER = "X-Gamut-Person"

#: The header carrying the id of the run a request belongs to (a protocol extension; docs/runs.md).
RUN_HEADER = "X-Gamut-Run"

#: The longest person's token the SDK sends (the gateway's own limit, Gateway:Person:MaxTokenLength, is 16384 by default).
MAX_PERSON_TOKEN_LENGTH = 65_536
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def check_person_token(person_token: object) -> str:
    """``person_token`` when it is a compact JWS (three base64url parts, the only shape the gateway accepts) of at most
    MAX_PERSON_TOKEN_LENGTH characters; else GamutConfigurationError, whose message does not repeat the value (it is
    an identity token, and a CR/LF in it would otherwise become header lines of its own)."""
    if not isinstance(person_token, str) or len(person_token) > MAX_PERSON_TOKEN_LENGTH or not _COMPACT_JWS.fullmatch(person_token):
        raise GamutConfigurationError(f"A person's identity token must be a compact JWS (three base64url parts) of at most "
                                      f"{MAX_PERSON_TOKEN_LENGTH} characters; the one given is not (it is not repeated here).")
    return person_token


def _identity_extensions(person_token: str | None, run_id: str | None) -> dict[str, str]:
    """The extension headers a signature covers: the person's token and the run, when there are."""
    return {**({} if person_token is None else {PERSON_HEADER: person_token}), **({} if run_id is None else {RUN_HEADER: run_id})}


def body_sha256(body: bytes = b"") -> str:
    """Lowercase hex SHA-256 of the body bytes (of the empty string when there is no body)."""
    return hashlib.sha256(body or b"").hexdigest()


def canonical_string(*, method: str, target: str, tenant: str, workspace: str, agent: str, timestamp: int | str,
                     nonce: str, body: bytes | str = b"", person_token: str | None = None, run_id: str | None = None) -> str:
    """The nine lines joined by ``\\n``, no trailing newline. ``body`` is the exact bytes (or UTF-8 text) sent. With
    ``person_token`` (the ``X-Gamut-Person`` value), a tenth line: its lowercase hex SHA-256. With ``run_id`` (the
    ``X-Gamut-Run`` value), one more line, last: the run id itself."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    lines = [SCHEME, method.upper(), target, tenant, workspace, agent, str(timestamp), nonce, body_sha256(raw)]
    if person_token is not None:
        lines.append(body_sha256(person_token.encode("utf-8")))
    if run_id is not None:
        lines.append(run_id)
    return "\n".join(lines)


def sign(secret: str, canonical: str) -> str:
    """``v1=`` + lowercase hex HMAC-SHA256(UTF-8 bytes of the secret, canonical string)."""
    return "v1=" + hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def fresh_nonce() -> str:
    """32 characters of ``[A-Za-z0-9_-]`` from 24 random bytes."""
    return base64.urlsafe_b64encode(os.urandom(24)).decode("ascii")


def signature_headers(*, tenant: str, workspace: str, agent_id: str, secret: str, method: str, target: str,
                      body: bytes = b"", now: float | None = None, headers: Mapping[str, str] | None = None,
                      person_token: str | None = None, run_id: str | None = None) -> dict[str, str]:
    """The six ``X-Gamut-*`` headers for one request (and ``X-Gamut-Person`` with ``person_token``, ``X-Gamut-Run`` with
    ``run_id``, each covered by the signature).

    Raises :class:`GamutSecretMaterialError` (findings ``{"path": "target" | "body" | "header:<name>", "kind":
    "agent_secret"}``, never the value), before anything is signed, when the agent's own secret appears in the
    request: in ``target`` verbatim or after percent-decoding repeatedly until nothing changes (in the query also with
    ``+`` read as a space), in ``body`` as UTF-8 bytes or, for a JSON body, in a string once its escapes are undone, or
    in the value of one of ``headers`` (the other headers to be sent, when the caller has them). A ``person_token`` that
    is not a compact JWS raises GamutConfigurationError (:func:`check_person_token`)."""
    if person_token is not None:
        check_person_token(person_token)
    findings = agent_secret_findings(secret, target, body, headers)
    if findings:
        raise GamutSecretMaterialError(findings)
    timestamp = int(time.time() if now is None else now)
    nonce = fresh_nonce()
    canonical = canonical_string(method=method, target=target, tenant=tenant, workspace=workspace, agent=agent_id,
                                 timestamp=timestamp, nonce=nonce, body=body, person_token=person_token, run_id=run_id)
    return {
        **_identity_extensions(person_token, run_id),
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


# ---- RFC 9421: an agent registered with a public key signs with its private key instead of a secret ----

MESSAGE_SIGNATURE_COMPONENTS = ("@method", "@target-uri", "content-digest", "x-gamut-tenant", "x-gamut-workspace", "x-gamut-agent")
#: The component covered after those six when a request acts for a person: ``X-Gamut-Person``'s value, as sent.
PERSON_COMPONENT = "x-gamut-person"
#: The component covered last when a request belongs to a run: ``X-Gamut-Run``'s value.
RUN_COMPONENT = "x-gamut-run"
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def content_digest(body: bytes | str = b"", algorithms: tuple[str, ...] | list[str] = ("sha-256",)) -> str:
    """RFC 9530 ``Content-Digest`` of the body bytes: ``sha-256=:<base64>:`` (and ``, sha-512=:…:`` when asked)."""
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    return ", ".join(f"{a}=:{base64.b64encode(_DIGESTS[a](raw).digest()).decode('ascii')}:" for a in algorithms)


def _covered(person_token: str | None, run_id: str | None) -> tuple[str, ...]:
    return (*MESSAGE_SIGNATURE_COMPONENTS, *(() if person_token is None else (PERSON_COMPONENT,)), *(() if run_id is None else (RUN_COMPONENT,)))


def signature_params(*, created: int, nonce: str, key_id: str, alg: str, person_token: str | None = None, run_id: str | None = None) -> str:
    """The signature's parameters as RFC 8941 serialises them: ``Signature-Input``'s value and the base's last line.
    The covered components are the six, then ``x-gamut-person`` with ``person_token``, then ``x-gamut-run`` with ``run_id``."""
    components = " ".join(f'"{c}"' for c in _covered(person_token, run_id))
    return f'({components});created={created};nonce="{nonce}";keyid="{key_id}";alg="{alg}"'


def signature_base(*, method: str, target_uri: str, content_digest: str, tenant: str, workspace: str, agent: str,
                   created: int, nonce: str, key_id: str, alg: str, person_token: str | None = None, run_id: str | None = None) -> str:
    """The RFC 9421 §2.5 signature base: one ``"name": value`` line per component, then ``"@signature-params": …``.
    With ``person_token`` (``X-Gamut-Person``'s value), its line ``"x-gamut-person": <token>`` follows the six; with
    ``run_id`` (``X-Gamut-Run``'s), ``"x-gamut-run": <run id>`` comes last."""
    values = (method, target_uri, content_digest, tenant, workspace, agent, *(v for v in (person_token, run_id) if v is not None))
    lines = [f'"{c}": {v}' for c, v in zip(_covered(person_token, run_id), values)]
    params = signature_params(created=created, nonce=nonce, key_id=key_id, alg=alg, person_token=person_token, run_id=run_id)
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines)


def message_signature_headers(*, tenant: str, workspace: str, agent_id: str, agent_key, key_id: str, method: str,
                              target_uri: str, body: bytes = b"", now: float | None = None,
                              person_token: str | None = None, run_id: str | None = None) -> dict[str, str]:
    """The six headers of an RFC 9421 request (label ``sig1``): X-Gamut-Tenant, -Workspace, -Agent, Content-Digest,
    Signature-Input and Signature. ``agent_key`` is a :class:`gamut_agent.keys.AgentKey`; ``target_uri`` the absolute
    URL the request is sent to. With ``person_token``, ``X-Gamut-Person`` too, with ``run_id`` ``X-Gamut-Run``, each
    covered by the signature. A ``person_token`` that is not a compact JWS raises GamutConfigurationError."""
    if person_token is not None:
        check_person_token(person_token)
    digest = content_digest(body)
    params = {"created": int(time.time() if now is None else now), "nonce": fresh_nonce(), "key_id": key_id,
              "alg": agent_key.alg, "person_token": person_token, "run_id": run_id}
    base = signature_base(method=method.upper(), target_uri=target_uri, content_digest=digest, tenant=tenant,
                          workspace=workspace, agent=agent_id, **params)
    signature = base64.b64encode(agent_key.sign(base.encode("utf-8"))).decode("ascii")
    return {
        **_identity_extensions(person_token, run_id),
        "X-Gamut-Tenant": tenant,
        "X-Gamut-Workspace": workspace,
        "X-Gamut-Agent": agent_id,
        "Content-Digest": digest,
        "Signature-Input": f"sig1={signature_params(**params)}",
        "Signature": f"sig1=:{signature}:",
    }
