"""The gateway's signature on the A2A agent card it serves (docs/a2a.md, "The route"): A2A 1.0 ``AgentCardSignature``,
a JWS (ES256, ``typ`` ``JOSE``) with a detached payload, the RFC 8785 canonical JSON of the card without its
signatures, normalized as A2A 1.0 §8.4.1 says (the gateway's ``A2a/AgentCardSignatures.cs``), signed with the gateway's
receipt key. Checked with the receipts' own JWS code against the same key set, ``/.well-known/gamut-receipt-keys.json``."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any, Callable

from .errors import GamutCardSignatureError, GamutConfigurationError
from .receipts import ReceiptError, verify_jws_parts

CARD_SIGNATURE_TYPE = "JOSE"
KEYS_PATH = "/.well-known/gamut-receipt-keys.json"
_KEYS_LIFETIME = 300.0  # the gateway serves its keys with max-age=300
_keys: dict[str, tuple[dict, float]] = {}  # base URL -> (JWKS, when fetched)
_keys_lock = threading.Lock()

# The members of an A2A 1.0 AgentCard: what a signature covers (0.3's url and the like are not).
_CARD_MEMBERS = frozenset({
    "name", "description", "supportedInterfaces", "provider", "version", "documentationUrl", "capabilities",
    "securitySchemes", "securityRequirements", "defaultInputModes", "defaultOutputModes", "skills", "iconUrl",
})


def verify_agent_card(card: Any, jwks: dict[str, Any]) -> None:
    """Verifies the gateway's signature on ``card`` with its receipt keys ``jwks`` (as served at
    ``/.well-known/gamut-receipt-keys.json``): one of its signatures must verify, else GamutCardSignatureError."""
    signatures = card.get("signatures") if isinstance(card, dict) else None
    if not isinstance(signatures, list) or not signatures:
        raise GamutCardSignatureError("The agent card carries no signature of the gateway's.", "missing")
    payload = base64.urlsafe_b64encode(card_payload(card).encode("utf-8")).rstrip(b"=").decode("ascii")
    reason = "malformed"
    for signature in signatures:
        parts = [signature.get("protected"), payload, signature.get("signature")] if isinstance(signature, dict) else [None, payload, None]
        try:
            verify_jws_parts(parts, jwks, CARD_SIGNATURE_TYPE)
            return
        except ReceiptError as error:
            reason = error.code
        except ImportError:
            raise GamutConfigurationError("Verifying the gateway's signature on an agent card needs the 'cryptography' package "
                                          "(apt-get install python3-cryptography, or pip install cryptography).") from None
    raise GamutCardSignatureError(f"No signature on the agent card verifies under the gateway's keys ({reason}).", reason)


def check_card_signature(base_url: str, card: dict, fetch_keys: Callable[[], dict]) -> None:
    """Verifies ``card`` as the gateway at ``base_url`` signed it: its keys (``fetch_keys()``) kept five minutes, and
    fetched once more when the card names a key the kept set lacks (a rotation since)."""
    with _keys_lock:
        cached = _keys.get(base_url)
    fresh = cached is not None and time.monotonic() - cached[1] < _KEYS_LIFETIME
    try:
        verify_agent_card(card, cached[0] if fresh else _fetch(base_url, fetch_keys))
    except GamutCardSignatureError as error:
        if error.reason != "unknown_key" or not fresh:
            raise
        verify_agent_card(card, _fetch(base_url, fetch_keys))


def _fetch(base_url: str, fetch_keys: Callable[[], dict]) -> dict:
    jwks = fetch_keys()
    with _keys_lock:
        _keys[base_url] = (jwks, time.monotonic())
    return jwks


def signed_members(card: dict) -> dict:
    """``card`` with only the members its signature covers, ``url`` (the gateway's route, which it writes) and
    ``signatures``: a member added on the way, signed by no one (``URL``, ``Skills``, which a case-folding reader takes
    for url and skills), is not handed on."""
    return {name: value for name, value in card.items() if name in _CARD_MEMBERS or name in ("url", "signatures")}


def card_payload(card: dict) -> str:
    """What a card signature covers: the card's A2A 1.0 members without protobuf defaults, as RFC 8785 canonical JSON."""
    kept = {}
    for name, value in card.items():
        member = _without_defaults(value) if name in _CARD_MEMBERS else None
        if member is not None:
            kept[name] = member
    return _canonical(kept)


def _without_defaults(value: Any) -> Any:
    """A copy without the members whose value is a protobuf default (0, "", [], {}, null); false is kept."""
    if value is None or value == "" or (type(value) in (int, float) and value == 0):
        return None
    if isinstance(value, list):
        return [item if (item := _without_defaults(v)) is not None else {} for v in value] or None
    if isinstance(value, dict):
        return {k: m for k, v in value.items() if (m := _without_defaults(v)) is not None} or None
    return value


def _canonical(value: Any) -> str:
    """RFC 8785: members sorted by their names' UTF-16 code units, no whitespace, numbers as ECMAScript writes them."""
    if isinstance(value, dict):
        names = sorted(value, key=lambda n: n.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(n, ensure_ascii=False) + ":" + _canonical(value[n]) for n in names) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)
