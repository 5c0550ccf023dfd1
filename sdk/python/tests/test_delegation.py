"""The Python SDK's delegate() against the REAL gateway binary on loopback: a child client acting within its grant,
refused beyond it, a grant widening the parent refused with every widening named, and a child given its own key pair
(its public half registered, no secret minted) signing with it."""

import json
import unittest

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from gamut_agent import DelegatedPermission, GamutClient, GamutConfigurationError, GamutDeniedError

from .support import DEMO, REPO_ROOT, environment


class DelegationTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)

    def test_delegate_returns_a_child_client_allowed_within_its_grant_under_its_own_id(self):
        child = self.gamut.delegate("researcher", [DelegatedPermission("crm.read_contact", ("read",))],
                                    data_class_ceiling="internal", ttl_seconds=300, run_id="run-sdk-python")
        action = child.invoke_tool("crm.read_contact", {"id": "42"})
        self.assertRegex(child.config.agent_id, r"^dlg-[a-z2-7]{26}$")
        self.assertEqual(child.delegation.parent, "demo-agent")
        self.assertEqual(action.decision, "allow")
        self.assertEqual([link["id"] for link in action.explanation["actor_chain"]], ["demo-agent", child.config.agent_id])

    def test_child_asking_beyond_its_grant_is_denied(self):
        child = self.gamut.delegate("reader", ["crm.read_contact"])
        with self.assertRaises(GamutDeniedError) as raised:
            child.evaluate("crm.update_contact", {"id": "42"})
        self.assertEqual(raised.exception.decision, "block")

    def test_delegate_with_a_key_pair_returns_a_child_signing_with_its_own_key_holding_no_secret(self):
        for private_key in (ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())):
            with self.subTest(key=type(private_key).__name__):
                child = self.gamut.delegate("signer", [DelegatedPermission("crm.read_contact", ("read",))],
                                            data_class_ceiling="internal", private_key=private_key)
                action = child.invoke_tool("crm.read_contact", {"id": "42"})
                with self.assertRaises(GamutDeniedError) as beyond:
                    child.evaluate("crm.update_contact", {"id": "42"})
                self.assertEqual(action.decision, "allow")
                self.assertEqual(beyond.exception.decision, "block")
                self.assertEqual(child.config.key_id, child.config.agent_id)
                self.assertRegex(child.delegation.key_fingerprint, r"^[0-9a-f]{32}$")

    def test_key_agent_parent_issues_a_key_child_signing_with_its_own_key_not_the_parents(self):
        with open(REPO_ROOT / "tests" / "vectors" / "agent-protocol.json", encoding="utf-8") as vectors:
            key = next(k for k in json.load(vectors)["message_signatures"]["keys"] if k["name"] == "ed25519-demo")
        parent = GamutClient(base_url=self.env.base_url, tenant="demo", workspace="ws-demo", agent_id="key-agent",
                             private_key=key["private_key_pem"], key_id=key["key_id"])
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode("ascii")
        child = parent.delegate("signer", ["crm.read_contact"], private_key=pem)
        plain = parent.delegate("plain", ["crm.read_contact"])
        self.assertEqual(child.evaluate("crm.read_contact", {"id": "7"}).decision, "allow")
        self.assertEqual(plain.evaluate("crm.read_contact", {"id": "7"}).decision, "allow")

    def test_private_key_that_is_no_key_raises_before_anything_is_sent_without_echoing_it(self):
        with self.assertRaises(GamutConfigurationError) as raised:
            self.gamut.delegate("signer", ["crm.read_contact"], private_key="bm90IGEga2V5")
        self.assertNotIn("bm90IGEga2V5", str(raised.exception))

    def test_grant_widening_the_parent_raises_naming_each_widening(self):
        with self.assertRaises(GamutDeniedError) as raised:
            self.gamut.delegate("too-much", ["shell.exec"], atf_level="L4")
        self.assertEqual(raised.exception.code, "delegation_widens_authority")
        self.assertEqual(raised.exception.status, 403)
        self.assertEqual([w["kind"] for w in raised.exception.problem["widenings"]], ["tool", "atf_level"])



class StubbedDelegationTests(unittest.TestCase):
    # A minted child secret is random base64url: a few in a million start like a provider key (sk-, hf_).
    PROVIDER_SHAPED = "sk-" + "a1" * 20

    def test_a_gateway_minted_child_secret_shaped_like_a_provider_key_still_yields_the_child_client(self):
        parent = GamutClient(base_url="https://gw.example", **DEMO)
        answer = {"agent": "dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa", "tenant": "demo", "secret": self.PROVIDER_SHAPED,
                  "delegation": {"name": "researcher", "parent": "demo-agent", "depth": 1, "expires_at": "2030-01-01T00:00:00Z"}}
        parent._request = lambda method, target, body, timeout, person=None: answer  # the gateway's answer, stubbed
        child = parent.delegate("researcher", ["crm.read_contact"])
        self.assertEqual(child.config.agent_id, "dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa")
        self.assertEqual(child.delegation.parent, "demo-agent")
        self.assertIsNone(child.person_token)
        self.assertEqual(child.signature_headers("POST", "/v1/evaluate", b"{}")["X-Gamut-Agent"], "dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa")

    def test_a_provider_key_shaped_secret_given_by_the_caller_is_still_refused(self):
        with self.assertRaises(GamutConfigurationError):
            GamutClient(base_url="https://gw.example", tenant="demo", workspace="ws-demo", agent_id="a", secret=self.PROVIDER_SHAPED)

if __name__ == "__main__":
    unittest.main()
