"""An agent's private key, for the RFC 9421 profile (an agent registered with a public key instead of a secret).

Ed25519 and ECDSA P-256 through the ``cryptography`` package (Debian's ``python3-cryptography``; PyPI's
``cryptography``), imported only when a key is used: an agent that signs with a secret needs nothing beyond the
standard library.
"""

from __future__ import annotations

import base64

from .errors import GamutConfigurationError

ED25519 = "ed25519"
ECDSA_P256_SHA256 = "ecdsa-p256-sha256"


class AgentKey:
    """A private key the agent signs with, and its RFC 9421 algorithm name (``alg``). Never shown in ``repr``."""

    def __init__(self, private_key: object) -> None:
        try:
            from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - optional, imported lazily
            from cryptography.hazmat.primitives.asymmetric import ec, ed25519  # noqa: PLC0415
        except ImportError as exc:
            raise GamutConfigurationError(
                "Signing with a key pair needs the 'cryptography' package (apt-get install python3-cryptography, or pip install cryptography).") from exc
        key = private_key
        if isinstance(key, (str, bytes)):
            text = key.decode("ascii", "replace") if isinstance(key, bytes) else key
            try:
                if text.strip().startswith("-----BEGIN"):
                    key = serialization.load_pem_private_key(text.strip().encode("ascii"), password=None)
                else:
                    key = serialization.load_der_private_key(base64.b64decode(text.strip(), validate=True), password=None)
            except (ValueError, TypeError) as exc:
                # Never the key itself in the message.
                raise GamutConfigurationError("GAMUT_AGENT_PRIVATE_KEY is not a private key (PEM or base64 PKCS#8 DER).") from exc
        if isinstance(key, ed25519.Ed25519PrivateKey):
            self.alg = ED25519
        elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            self.alg = ECDSA_P256_SHA256
        else:
            raise GamutConfigurationError("GAMUT_AGENT_PRIVATE_KEY must be an Ed25519 or an ECDSA P-256 private key.")
        self._key = key

    def sign(self, data: bytes) -> bytes:
        """Ed25519's 64 bytes, or ECDSA P-256 over SHA-256 as r||s (64 bytes), as RFC 9421 §3.3 says."""
        if self.alg == ED25519:
            return self._key.sign(data)
        from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: PLC0415
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def public_key_spki(self) -> bytes:
        """The public half as a DER SubjectPublicKeyInfo: what a bundle or a delegation registers (base64 of it)."""
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
        return self._key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def __repr__(self) -> str:
        return f"AgentKey(alg={self.alg!r})"
