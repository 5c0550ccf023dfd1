"""The shared cross-language vectors (tests/vectors/agent-protocol.json)."""

import json
import unittest

from gamut_agent import RUN_HEADER, body_sha256, canonical_string, find_secret_material, sign, signature_headers

from .support import REPO_ROOT

VECTORS = json.loads((REPO_ROOT / "tests" / "vectors" / "agent-protocol.json").read_text(encoding="utf-8"))


class SharedVectorTests(unittest.TestCase):
    def test_signing_vectors_match(self):
        for v in VECTORS["signing"]:
            with self.subTest(v["name"]):
                self.assertEqual(body_sha256(v["body"].encode("utf-8")), v["body_sha256"])
                canonical = canonical_string(method=v["method"], target=v["target"], tenant=v["tenant"], workspace=v["workspace"],
                                             agent=v["agent"], timestamp=v["timestamp"], nonce=v["nonce"], body=v["body"])
                self.assertEqual(canonical, v["canonical"])
                self.assertEqual(sign(v["secret"], canonical), v["signature"])

    def test_person_signing_vectors_match(self):
        for v in VECTORS["person_signing"]:
            with self.subTest(v["name"]):
                parts = dict(method=v["method"], target=v["target"], tenant=v["tenant"], workspace=v["workspace"],
                             agent=v["agent"], timestamp=v["timestamp"], nonce=v["nonce"], body=v["body"])
                canonical = canonical_string(**parts, person_token=v["person"])
                self.assertEqual(canonical, v["canonical"])
                self.assertEqual(sign(v["secret"], canonical), v["signature"])
                self.assertEqual(sign(v["secret"], canonical_string(**parts)), v["signature_without_person"])

    def test_run_signing_vectors_match(self):
        for v in VECTORS["run_signing"]["v1"]:
            with self.subTest(v["name"]):
                parts = dict(method=v["method"], target=v["target"], tenant=v["tenant"], workspace=v["workspace"],
                             agent=v["agent"], timestamp=v["timestamp"], nonce=v["nonce"], body=v["body"], person_token=v.get("person"))
                canonical = canonical_string(**parts, run_id=v["run"])
                self.assertEqual(canonical, v["canonical"])
                self.assertEqual(sign(v["secret"], canonical), v["signature"])
                self.assertEqual(sign(v["secret"], canonical_string(**parts)), v["signature_without_run"])

    def test_signature_headers_send_the_run_and_sign_its_line_last(self):
        v = next(r for r in VECTORS["run_signing"]["v1"] if "person" in r)
        identity = dict(tenant=v["tenant"], workspace=v["workspace"], agent_id=v["agent"], secret=v["secret"], method=v["method"],
                        target=v["target"], body=v["body"].encode("utf-8"), now=int(v["timestamp"]), person_token=v["person"])
        headers = signature_headers(**identity, run_id=v["run"])
        self.assertEqual(headers[RUN_HEADER], v["run"])
        canonical = canonical_string(method=v["method"], target=v["target"], tenant=v["tenant"], workspace=v["workspace"], agent=v["agent"],
                                     timestamp=v["timestamp"], nonce=headers["X-Gamut-Nonce"], body=v["body"], person_token=v["person"], run_id=v["run"])
        self.assertEqual(headers["X-Gamut-Signature"], sign(v["secret"], canonical))
        self.assertNotIn(RUN_HEADER, signature_headers(**identity))

    def test_refused_payloads_report_the_gateways_findings(self):
        for v in VECTORS["refuse"]:
            with self.subTest(v["name"]):
                self.assertEqual(find_secret_material(v["payload"]), v["findings"])

    def test_accepted_payloads_have_no_findings(self):
        for v in VECTORS["accept"]:
            with self.subTest(v["name"]):
                self.assertEqual(find_secret_material(v["payload"]), [])


if __name__ == "__main__":
    unittest.main()
