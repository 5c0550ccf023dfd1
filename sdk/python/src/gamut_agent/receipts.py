"""Offline verification of the gateway's signed decision receipts (docs/evidence.md).

A receipt is a compact JWS, ES256, ``typ`` ``gamut-receipt+jws``, signed by a key of the gateway's JWKS
(``/.well-known/gamut-receipt-keys.json``). Only public keys are needed. ECDSA P-256 comes from the ``cryptography``
package (the SDK's ``keys`` extra), imported when a receipt is verified.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

RECEIPT_TYPE = "gamut-receipt+jws"
CHECKPOINT_TYPE = "gamut-checkpoint+jws"

_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_REQUIRED_STRINGS = ("tenant", "replica", "request_id", "agent", "decision", "leaf_hash", "record_hash")


class ReceiptError(Exception):
    """A receipt that does not verify. ``code``: malformed, unsupported_algorithm, wrong_type, unknown_key,
    bad_signature or invalid_claims (the same codes in every SDK)."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or f"receipt refused: {code}")
        self.code = code


def _decode(part: str) -> bytes | None:
    if not isinstance(part, str) or not part or not _B64URL.match(part):
        return None
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") == part else None


def _decode_object(part: str) -> dict[str, Any] | None:
    raw = _decode(part)
    if raw is None:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _thumbprint(x: str, y: str) -> str:
    canonical = '{"crv":"P-256","kty":"EC","x":"' + x + '","y":"' + y + '"}'
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode("utf-8")).digest()).rstrip(b"=").decode("ascii")


def _key_of(jwks: Any, kid: str):
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        return None
    for jwk in keys:
        if (isinstance(jwk, dict) and jwk.get("kty") == "EC" and jwk.get("crv") == "P-256" and jwk.get("kid") == kid
                and isinstance(jwk.get("x"), str) and isinstance(jwk.get("y"), str) and _thumbprint(jwk["x"], jwk["y"]) == kid):
            from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - optional, imported lazily
            x, y = _decode(jwk["x"]), _decode(jwk["y"])
            if x is None or y is None or len(x) != 32 or len(y) != 32:
                return None
            return ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()).public_key()
    return None


def verify_evidence_token(token: str, jwks: dict[str, Any], type_: str) -> dict[str, Any]:
    """Verifies a compact JWS signed with one of the gateway's receipt keys; returns its payload or raises ReceiptError."""
    parts = token.split(".") if isinstance(token, str) and len(token) <= 16384 else []
    if len(parts) != 3:
        raise ReceiptError("malformed")
    header, payload, signature = _decode_object(parts[0]), _decode_object(parts[1]), _decode(parts[2])
    if header is None or payload is None or signature is None:
        raise ReceiptError("malformed")
    if header.get("alg") != "ES256" or "crit" in header:
        raise ReceiptError("unsupported_algorithm")
    if header.get("typ") != type_:
        raise ReceiptError("wrong_type")
    key = _key_of(jwks, header["kid"]) if isinstance(header.get("kid"), str) else None
    if key is None:
        raise ReceiptError("unknown_key")
    if len(signature) != 64:
        raise ReceiptError("bad_signature")
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: PLC0415
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ReceiptError("bad_signature") from None
    return payload


def verify_receipt(receipt: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Verifies a decision receipt offline with the gateway's JWKS (a dict); returns its claims or raises ReceiptError."""
    claims = verify_evidence_token(receipt, jwks, RECEIPT_TYPE)
    chain = claims.get("actor_chain")
    valid = (claims.get("v") == 1
             and all(isinstance(claims.get(name), str) for name in _REQUIRED_STRINGS)
             and type(claims.get("leaf_index")) is int and type(claims.get("iat")) is int
             and (chain is None or (isinstance(chain, list) and all(
                 isinstance(a, dict) and isinstance(a.get("kind"), str) and isinstance(a.get("id"), str) for a in chain))))
    if not valid:
        raise ReceiptError("invalid_claims")
    return claims


verifyReceipt = verify_receipt  # noqa: N816 - the name the other SDKs use
