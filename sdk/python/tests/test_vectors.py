"""The shared cross-language vectors (tests/vectors/agent-protocol.json)."""

import json
import unittest

from gamut_agent import body_sha256, canonical_string, find_secret_material, sign

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
