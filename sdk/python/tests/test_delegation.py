"""The Python SDK's delegate() against the REAL gateway binary on loopback: a child client acting within its grant,
refused beyond it, and a grant widening the parent refused with every widening named."""

import unittest

from gamut_agent import DelegatedPermission, GamutClient, GamutDeniedError

from .support import environment


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

    def test_grant_widening_the_parent_raises_naming_each_widening(self):
        with self.assertRaises(GamutDeniedError) as raised:
            self.gamut.delegate("too-much", ["shell.exec"], atf_level="L4")
        self.assertEqual(raised.exception.code, "delegation_widens_authority")
        self.assertEqual(raised.exception.status, 403)
        self.assertEqual([w["kind"] for w in raised.exception.problem["widenings"]], ["tool", "atf_level"])


if __name__ == "__main__":
    unittest.main()
