"""verify_receipt against the shared vectors (tests/vectors/evidence.json, receipts): the same receipts the gateway's
.NET code and the other SDKs accept or refuse with the same codes."""
import json
import pathlib
import unittest

from gamut_agent import CHECKPOINT_TYPE, ReceiptError, verify_evidence_token, verify_receipt

VECTORS = json.loads((pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors" / "evidence.json").read_text("utf-8"))["receipts"]


class VerifyReceiptTests(unittest.TestCase):
    def test_verify_receipt_valid_vectors_return_the_claims(self):
        for v in VECTORS["valid"]:
            with self.subTest(v["name"]):
                self.assertEqual(verify_receipt(v["receipt"], VECTORS["jwks"]), v["claims"])

    def test_verify_receipt_invalid_vectors_raise_the_shared_code(self):
        for v in VECTORS["invalid"]:
            with self.subTest(v["name"]):
                with self.assertRaises(ReceiptError) as caught:
                    verify_receipt(v["receipt"], VECTORS["jwks"])
                self.assertEqual(caught.exception.code, v["error"])

    def test_verify_evidence_token_checkpoint_returns_its_claims(self):
        checkpoint = VECTORS["checkpoint"]
        self.assertEqual(verify_evidence_token(checkpoint["checkpoint"], VECTORS["jwks"], CHECKPOINT_TYPE), checkpoint["claims"])

    def test_verify_receipt_retired_key_removed_from_jwks_is_unknown(self):
        with self.assertRaises(ReceiptError) as caught:
            verify_receipt(VECTORS["valid"][1]["receipt"], {"keys": VECTORS["jwks"]["keys"][1:]})
        self.assertEqual(caught.exception.code, "unknown_key")


if __name__ == "__main__":
    unittest.main()
