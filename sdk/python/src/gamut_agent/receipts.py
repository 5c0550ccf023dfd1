"""Offline verification of the gateway's signed decision receipts (docs/evidence.md).

The gateway signs the receipts of one audit group together: a compact JWS, ES256, ``typ``
``gamut-receipt-batch+jws``, signs the RFC 6962 Merkle root of the group's claims, and each receipt is
``signed-root~base64url(claims)~base64url(audit path)``. A receipt issued before batching (a compact JWS of the
claims, ``typ`` ``gamut-receipt+jws``) still verifies. Keys come from the gateway's JWKS
(``/.well-known/gamut-receipt-keys.json``). Only public keys are needed. ECDSA P-256 comes from the ``cryptography``
package (the SDK's ``keys`` extra), imported when a receipt is verified.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

RECEIPT_TYPE = "gamut-receipt+jws"
RECEIPT_BATCH_TYPE = "gamut-receipt-batch+jws"
CHECKPOINT_TYPE = "gamut-checkpoint+jws"

_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_REQUIRED_STRINGS = ("tenant", "replica", "request_id", "agent", "decision", "leaf_hash", "record_hash")


class ReceiptError(Exception):
    """A receipt that does not verify. ``code``: malformed, unsupported_algorithm, wrong_type, unknown_key,
    bad_signature, invalid_claims or not_in_batch (the same codes in every SDK)."""

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
    return verify_jws_parts(parts, jwks, type_)


def verify_jws_parts(parts: list[str], jwks: dict[str, Any], type_: str) -> dict[str, Any]:
    """Verifies a JWS's three base64url parts (protected header, payload, signature; a detached payload given as its
    encoding) under the gateway's receipt keys: ES256 only, ``typ`` must be ``type_``. Returns the payload or raises
    ReceiptError."""
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


_HASH = 32
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: whether path proves the leaf at index is in the tree of size leaves with this root."""
    if index < 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)


def _open_batched(receipt: str, jwks: dict[str, Any]) -> dict[str, Any]:
    parts = receipt.split("~") if len(receipt) <= 16384 else []
    claim_bytes = _decode(parts[1]) if len(parts) == 3 else None
    claims = _decode_object(parts[1]) if claim_bytes is not None else None
    path_bytes = (b"" if parts[2] == "" else _decode(parts[2])) if len(parts) == 3 else None
    if claims is None or path_bytes is None or len(path_bytes) % _HASH or len(path_bytes) > 16 * _HASH:
        raise ReceiptError("malformed")
    statement = verify_evidence_token(parts[0], jwks, RECEIPT_BATCH_TYPE)
    size, root, index = statement.get("size"), statement.get("root"), claims.get("batch_index")
    if (statement.get("v") != 2 or type(size) is not int or not 1 <= size <= 65536
            or not isinstance(root, str) or not _HEX64.match(root)
            or claims.get("v") != 2 or type(index) is not int):
        raise ReceiptError("invalid_claims")
    path = [path_bytes[i:i + _HASH] for i in range(0, len(path_bytes), _HASH)]
    if not _verify_inclusion(hashlib.sha256(b"\x00" + claim_bytes).digest(), index, size, path, bytes.fromhex(root)):
        raise ReceiptError("not_in_batch")
    return claims


def verify_receipt(receipt: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Verifies a decision receipt offline with the gateway's JWKS (a dict); returns its claims or raises ReceiptError."""
    batched = isinstance(receipt, str) and "~" in receipt
    claims = _open_batched(receipt, jwks) if batched else verify_evidence_token(receipt, jwks, RECEIPT_TYPE)
    chain = claims.get("actor_chain")
    valid = (claims.get("v") == (2 if batched else 1)
             and all(isinstance(claims.get(name), str) for name in _REQUIRED_STRINGS)
             and type(claims.get("leaf_index")) is int and type(claims.get("iat")) is int
             and (chain is None or (isinstance(chain, list) and all(
                 isinstance(a, dict) and isinstance(a.get("kind"), str) and isinstance(a.get("id"), str) for a in chain))))
    if not valid:
        raise ReceiptError("invalid_claims")
    return claims


verifyReceipt = verify_receipt  # noqa: N816 - the name the other SDKs use
