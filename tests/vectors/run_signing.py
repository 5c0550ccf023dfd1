#!/usr/bin/env python3
"""Writes the run_signing group of agent-protocol.json: a request that belongs to a run (X-Gamut-Run).

v1 HMAC: the run id is one more canonical line, the last (after the person's token hash when X-Gamut-Person is sent
too). RFC 9421: "x-gamut-run" is covered after the profile's six components. Independent of the gateway and the SDKs
(Python's hashlib/hmac, and `cryptography` for the keys of the message_signatures group, which this script reads and
never changes). Run it only to change the vectors (python3 tests/vectors/run_signing.py). Secrets and keys are fakes.
"""
import base64
import hashlib
import hmac
import json
import pathlib
import sys

sys.dont_write_bytecode = True  # the helpers below are imported from the sibling script: no __pycache__ in the tree

from message_signatures import COMPONENTS, content_digest, ed25519_key, p256_key, sign

HERE = pathlib.Path(__file__).resolve().parent
SECRET = "demo-secret-do-not-use-in-production-0123456789"
RUN = "run-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PERSON = ("eyJhbGciOiJSUzI1NiIsImtpZCI6ImZha2Uta2V5IiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUuY29tIiwiYXVkIjoiZ2FtdXQtZ2F0ZXdheSIsInN1YiI6ImVyaW5AZXhhbXBsZS5jb20iLCJncm91cHMiOlsic3RhZmYiXSwiZXhwIjoxNzY0MDAwNjAwfQ"
          ".ZmFrZS1zaWduYXR1cmUtbm90LXZlcmlmaWFibGU")
RUN_COMPONENTS = COMPONENTS + ["x-gamut-run"]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sign(canonical: str) -> str:
    return "v1=" + hmac.new(SECRET.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def v1(name, method, target, body, timestamp, nonce, run, person=None):
    body_hash = sha256_hex(body.encode("utf-8"))
    lines = ["GAMUT-HMAC-SHA256-V1", method, target, "demo", "ws-demo", "demo-agent", timestamp, nonce, body_hash]
    if person is not None:
        lines.append(sha256_hex(person.encode("utf-8")))
    without_run = "\n".join(lines)
    canonical = without_run + "\n" + run
    vector = {
        "name": name,
        "method": method,
        "target": target,
        "tenant": "demo",
        "workspace": "ws-demo",
        "agent": "demo-agent",
        "timestamp": timestamp,
        "nonce": nonce,
        "body": body,
        "secret": SECRET,
    }
    if person is not None:
        vector["person"] = person
        vector["person_sha256"] = lines[-1]
    vector.update({
        "run": run,
        "body_sha256": body_hash,
        "canonical": canonical,
        "signature": hmac_sign(canonical),
        "signature_without_run": hmac_sign(without_run),
    })
    return vector


def message_signature(name, key_name, key_id, alg, private, method, target_uri, body, created, nonce, run):
    digest = content_digest(body.encode("utf-8"), ("sha-256",))
    params = ("(" + " ".join(f'"{c}"' for c in RUN_COMPONENTS) + ")"
              + f';created={created};nonce="{nonce}";keyid="{key_id}";alg="{alg}"')
    values = [method, target_uri, digest, "demo", "ws-demo", "demo-agent", run]
    base = "\n".join([f'"{c}": {v}' for c, v in zip(RUN_COMPONENTS, values)] + [f'"@signature-params": {params}'])
    signature = sign(private, alg, base.encode("utf-8"))
    return {
        "name": name,
        "key": key_name,
        "deterministic": alg == "ed25519",
        "method": method,
        "target_uri": target_uri,
        "tenant": "demo",
        "workspace": "ws-demo",
        "agent": "demo-agent",
        "run": run,
        "created": created,
        "nonce": nonce,
        "body": body,
        "content_digest": digest,
        "signature_input": "sig1=" + params,
        "signature_base": base,
        "signature": "sig1=:" + base64.b64encode(signature).decode("ascii") + ":",
    }


def main():
    invoke = '{"tool":"crm.read_contact","args":{"id":"42"}}'
    path = HERE / "agent-protocol.json"
    vectors = json.loads(path.read_text(encoding="utf-8"))
    previous = vectors.get("run_signing", {}).get("message_signatures", {}).get("requests", [])
    p256 = [message_signature("p256_post_invoke_in_run", "p256-demo", "demo-p256-2026", "ecdsa-p256-sha256", p256_key(), "POST",
                              "https://gateway.example.com/v1/actions/invoke-tool", invoke, 1764000000, "p256-run-AbCdEfGhIjKl", RUN)]
    # ECDSA signs differently each time: a signature already written is kept, so that rerunning changes nothing.
    p256 = [next((old for old in previous if old["name"] == new["name"] and old["signature_base"] == new["signature_base"]), new) for new in p256]
    vectors["run_signing"] = {
        "description": "A request that belongs to a run (X-Gamut-Run: run- and 32 lowercase hex; docs/runs.md). v1 HMAC: the run id "
                       "is the canonical string's last line, after the person's token hash when X-Gamut-Person is sent too "
                       "(signature_without_run: the same request signed without the line, which the gateway refuses). RFC 9421: "
                       "\"x-gamut-run\" is covered after the profile's six components (keys: message_signatures.keys). Written by "
                       "tests/vectors/run_signing.py.",
        "v1": [
            v1("post_invoke_in_run", "POST", "/v1/actions/invoke-tool", invoke, "1764000000", "AbCdEfGhIjKlMnOpQrStUvWx", RUN),
            v1("post_evaluate_for_person_in_run", "POST", "/v1/evaluate", invoke, "1764000100", "nonce_with-dash_0123", RUN, PERSON),
            v1("post_run_event_empty_body", "POST", f"/v1/runs/{RUN}/events", "", "1764000200", "Zz_-Zz_-Zz_-Zz_-Zz_-Zz_-", RUN),
        ],
        "message_signatures": {
            "components": RUN_COMPONENTS,
            "requests": [
                message_signature("ed25519_post_invoke_in_run", "ed25519-demo", "demo-ed25519-2026", "ed25519", ed25519_key(), "POST",
                                  "https://gateway.example.com/v1/actions/invoke-tool", invoke, 1764000000, "run-AbCdEfGhIjKlMnOp", RUN),
                *p256,
            ],
        },
    }
    path.write_text(json.dumps(vectors, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
