#!/usr/bin/env python3
"""Writes the message_signatures group of agent-protocol.json: the RFC 9421 profile's test vectors.

Independent of the gateway and the SDKs (Python's `cryptography`, from Debian's python3-cryptography): fixed
Ed25519 and P-256 key pairs derived from fixed labels, requests (some acting for a person: X-Gamut-Person covered),
their signature bases and signatures. Ed25519 is
deterministic, so an implementation must produce each Ed25519 signature exactly; ECDSA is not, so its signatures are
for verification only. Run it only to change the vectors (python3 tests/vectors/message_signatures.py); the file it
writes is the one every suite reads. The keys are fakes, published here on purpose: never use them.
"""
import base64
import hashlib
import json
import pathlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

HERE = pathlib.Path(__file__).resolve().parent
COMPONENTS = ["@method", "@target-uri", "content-digest", "x-gamut-tenant", "x-gamut-workspace", "x-gamut-agent"]
# Covered after the six when the request acts for a person (X-Gamut-Person); its value is the header's, as sent.
PERSON_COMPONENT = "x-gamut-person"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def ed25519_key():
    seed = hashlib.sha256(b"gamut test vector ed25519 key 1").digest()
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


def p256_key():
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    scalar = int.from_bytes(hashlib.sha256(b"gamut test vector p256 key 1").digest(), "big") % n
    return ec.derive_private_key(scalar, ec.SECP256R1())


def describe(name, alg, key_id, private):
    public = private.public_key()
    pkcs8 = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if alg == "ed25519":
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {
        "name": name,
        "alg": alg,
        "key_id": key_id,
        "private_key_pkcs8": b64(pkcs8),
        "private_key_pem": pem.decode("ascii"),
        "public_key_spki": b64(spki),
        "public_key_pem": public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii"),
        "public_key_raw": b64(raw),
    }


def content_digest(body: bytes, algorithms):
    digests = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
    return ", ".join(f"{a}=:{b64(digests[a](body).digest())}:" for a in algorithms)


def sign(private, alg, data: bytes) -> bytes:
    if alg == "ed25519":
        return private.sign(data)
    r, s = decode_dss_signature(private.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verifies(private, alg, signature: bytes, data: bytes) -> bool:
    public = private.public_key()
    try:
        if alg == "ed25519":
            public.verify(signature, data)
        else:
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            public.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def request(name, key, private, method, target_uri, body, created, nonce, digest_algorithms=("sha-256",),
            tenant="demo", workspace="ws-demo", agent="demo-agent", person=None, previous=None):
    body_bytes = body.encode("utf-8")
    digest = content_digest(body_bytes, digest_algorithms)
    components = COMPONENTS + ([PERSON_COMPONENT] if person is not None else [])
    params = ("(" + " ".join(f'"{c}"' for c in components) + ")"
              + f';created={created};nonce="{nonce}";keyid="{key["key_id"]}";alg="{key["alg"]}"')
    values = [method, target_uri, digest, tenant, workspace, agent] + ([person] if person is not None else [])
    lines = [f'"{c}": {v}' for c, v in zip(components, values)]
    lines.append(f'"@signature-params": {params}')
    base = "\n".join(lines)
    signature = sign(private, key["alg"], base.encode("utf-8"))
    kept = (previous or {}).get(name)
    if kept is not None and kept["signature_base"] == base:
        # ECDSA signs differently each run: a signature already published over the same base is kept (it verifies).
        signature = base64.b64decode(kept["signature"][len("sig1=:"):-1])
    if not verifies(private, key["alg"], signature, base.encode("utf-8")):
        raise SystemExit(f"{name}: the signature does not verify")
    return {
        "name": name,
        "key": key["name"],
        "deterministic": key["alg"] == "ed25519",
        "method": method,
        "target_uri": target_uri,
        "tenant": tenant,
        "workspace": workspace,
        "agent": agent,
        "created": created,
        "nonce": nonce,
        "body": body,
        **({} if person is None else {"person": person}),
        "components": components,
        "digest_algorithms": list(digest_algorithms),
        "content_digest": digest,
        "signature_input": "sig1=" + params,
        "signature_base": base,
        "signature": f"sig1=:{b64(signature)}:",
    }


def main():
    ed = ed25519_key()
    p256 = p256_key()
    keys = [describe("ed25519-demo", "ed25519", "demo-ed25519-2026", ed),
            describe("p256-demo", "ecdsa-p256-sha256", "demo-p256-2026", p256)]
    by_name = {"ed25519-demo": (keys[0], ed), "p256-demo": (keys[1], p256)}
    evaluate = '{"tool":"crm.read_contact","args":{"id":"42"}}'
    path = HERE / "agent-protocol.json"
    vectors = json.loads(path.read_text(encoding="utf-8"))
    # The person_signing group's identity token (shaped like one, not verifiable): the same person either way.
    person = vectors["person_signing"][0]["person"]
    previous = {r["name"]: r for r in vectors.get("message_signatures", {}).get("requests", [])}

    def signed(*args, **kwargs):
        return request(*args, previous=previous, **kwargs)

    requests = [
        signed("ed25519_post_evaluate", *by_name["ed25519-demo"], "POST", "https://gateway.example.com/v1/evaluate",
               evaluate, 1764000000, "AbCdEfGhIjKlMnOpQrStUvWx"),
        signed("ed25519_get_empty_body_query", *by_name["ed25519-demo"], "GET",
               "http://127.0.0.1:8080/v1/approvals/apr_0123456789abcdef?wait=5&x=%2Fa%20b", "", 1764000300, "nonce_with-dash_0123"),
        signed("ed25519_utf8_body_sha512", *by_name["ed25519-demo"], "PATCH", "https://gateway.example.com/v1/actions/invoke-tool",
               '{"tool":"crm.update_contact","args":{"id":"7","name":"Zoë Ångström — 東京 🚀"}}', 1764000002,
               "Zz_-Zz_-Zz_-Zz_-Zz_-Zz_-Zz_-Zz_-", ("sha-256", "sha-512")),
        signed("p256_post_evaluate", *by_name["p256-demo"], "POST", "https://gateway.example.com/v1/evaluate",
               evaluate, 1764000000, "p256-AbCdEfGhIjKlMnOp"),
        signed("p256_get_empty_body", *by_name["p256-demo"], "GET", "https://gateway.example.com/v1/approvals/apr_0123456789abcdef",
               "", 1764000300, "p256-nonce_with-dash_0123", tenant="acme-corp", workspace="12", agent="14"),
        signed("ed25519_post_evaluate_for_person", *by_name["ed25519-demo"], "POST", "https://gateway.example.com/v1/evaluate",
               evaluate, 1764000000, "person-AbCdEfGhIjKlMnOp", person=person),
        signed("p256_post_invoke_for_person", *by_name["p256-demo"], "POST", "https://gateway.example.com/v1/actions/invoke-tool",
               evaluate, 1764000001, "p256-person-AbCdEfGhIjKl", person=person),
    ]
    vectors["message_signatures"] = {
        "description": "The RFC 9421 profile (docs/identity.md, 'Asymmetric agent keys'): label sig1, the six covered components "
                       "in this order, then x-gamut-person (the X-Gamut-Person header's value, as sent) on a request acting "
                       "for a person (it has a 'person' member); each request lists its covered 'components'. Parameters "
                       "created, nonce, keyid, alg. Ed25519 signatures are deterministic and must be reproduced exactly; "
                       "ECDSA P-256 signatures (r||s, 64 bytes) are for verification only. Written by "
                       "tests/vectors/message_signatures.py.",
        "components": COMPONENTS,
        "person_component": PERSON_COMPONENT,
        "keys": keys,
        "requests": requests,
    }
    path.write_text(json.dumps(vectors, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
