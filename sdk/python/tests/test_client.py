"""The Python SDK's governed actions against the REAL gateway binary on loopback: the happy paths, every
fail-closed case with its typed error, and waiting on an approval."""

import threading
import unittest

from gamut_agent import (
    GamutApprovalDeniedError, GamutApprovalRequiredError, GamutApprovalTimeoutError, GamutAuthenticationError,
    GamutClient, GamutDeniedError, GamutHttpError, GamutIdentityMismatchError, GamutNotInvokedError,
    Decision, GamutSecretMaterialError, GamutTimeoutError, WaitForApproval,
)

from .support import TamperingRelay, environment, eventually


class GovernedActionTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)

    def test_invoke_tool_reads_a_contact_with_the_credential_injected(self):
        before = self.env.count("/crm/contacts/42")
        action = self.gamut.invoke_tool("crm.read_contact", {"id": "42"})
        self.assertTrue(action.invoked)
        self.assertEqual(action.decision, "allow")
        self.assertEqual(action.result["name"], "Dana Example")
        self.assertEqual(self.env.count("/crm/contacts/42"), before + 1)
        received = [r for r in self.env.upstream.requests if r["path"] == "/crm/contacts/42"][-1]
        self.assertEqual(received["headers"]["authorization"], "Bearer crm-test-token")

    def test_evaluate_decides_without_executing(self):
        before = len(self.env.upstream.requests)
        decision = self.gamut.evaluate("crm.read_contact", {"id": "7"})
        self.assertEqual(decision.decision, "allow")
        self.assertFalse(decision.invoked)
        self.assertTrue(decision.decision_token.startswith("v1."))
        self.assertEqual(len(self.env.upstream.requests), before)

    def test_invoke_tool_returns_a_receipt_that_verifies_offline_with_the_gateways_jwks(self):
        import json
        import urllib.request

        from gamut_agent import verify_receipt
        action = self.gamut.invoke_tool("crm.read_contact", {"id": "43"})
        with urllib.request.urlopen(f"{self.env.base_url}/.well-known/gamut-receipt-keys.json", timeout=10) as answer:
            jwks = json.load(answer)
        claims = verify_receipt(action.receipt, jwks)
        self.assertEqual(claims["decision"], "allow")
        self.assertEqual(claims["tool"], "crm.read_contact")
        self.assertEqual(claims["tenant"], "demo")
        self.assertEqual(claims["v"], 2)

    def test_evaluate_with_simulate_returns_the_decision_without_a_token(self):
        before = len(self.env.upstream.requests)
        decision = self.gamut.evaluate("crm.read_contact", {"id": "8"}, simulate=True)
        self.assertEqual(decision.decision, "allow")
        self.assertIsNone(decision.decision_token)
        self.assertEqual(len(self.env.upstream.requests), before)

    def test_context_returns_the_context_pack(self):
        action = self.gamut.context("workspace", query="contact 42", max_bytes=1000)
        self.assertIn("Dana", action.result)

    def test_model_runs_a_governed_inference(self):
        action = self.gamut.model("openai", {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]})
        self.assertEqual(action.result["choices"][0]["message"]["content"], "The gateway streamed this.")

    def test_denial_raises_denied_with_explanation_and_never_reaches_upstream(self):
        with self.assertRaises(GamutDeniedError) as caught:
            self.gamut.invoke_tool("shell.exec", {"cmd": "rm -rf /"})
        self.assertEqual(caught.exception.status, 403)
        self.assertEqual(caught.exception.decision, "block")
        self.assertTrue(any(c["control"] == "tool_permission" and c["outcome"] == "fail"
                            for c in caught.exception.explanation["decision_path"]))
        self.assertTrue(caught.exception.remedies)
        self.assertEqual(self.env.count("/exec"), 0)

    def test_non_2xx_raises_http_error_with_problem_code(self):
        with self.assertRaises(GamutHttpError) as caught:
            self.gamut.get_approval("apr_does_not_exist")
        self.assertEqual(caught.exception.status, 404)
        self.assertEqual(caught.exception.code, "not_found")

    def test_invoked_false_raises_not_invoked(self):
        before = self.env.count("/crm/contacts/9")
        with self.assertRaises(GamutNotInvokedError):
            self.gamut.invoke_tool("crm.read_contact", {"id": "9"}, simulate=True)
        self.assertEqual(self.env.count("/crm/contacts/9"), before)

    def test_timeout_raises_and_is_not_retried(self):
        before = self.env.count("/crm/contacts/slow")
        held = self.env.upstream.hold_slow_calls()
        try:
            # The upstream holds the call until the test opens its gate, so only the client's timeout can end it. 5 s leaves
            # the gateway ample time to forward it on a loaded machine (a call that times out before the gateway forwards it
            # never reaches the upstream: at 1.5 s that happened in CI) and ends well before the connector's own 10 s timeout.
            with self.assertRaises(GamutTimeoutError):
                self.gamut.invoke_tool("crm.read_contact", {"id": "slow"}, timeout=5)
            eventually(lambda: held.arrived > 0, "the slow call reaching the upstream", timeout=10)
        finally:
            held.open()
        # Once the one slow call has ended at the upstream, a retry would have come before: none did.
        eventually(lambda: held.ended > 0, "the slow call ending at the upstream")
        self.assertEqual(self.env.count("/crm/contacts/slow"), before + 1)

    def test_stale_credential_raises_authentication_error(self):
        stale = GamutClient(**{**self.env.demo, "secret": "an-old-rotated-secret-value"})
        with self.assertRaises(GamutAuthenticationError) as caught:
            stale.evaluate("crm.read_contact", {"id": "1"})
        self.assertEqual(caught.exception.code, "signature_mismatch")

    def test_revoked_credential_raises_authentication_error(self):
        rogue = GamutClient(**{**self.env.demo, "agent_id": "rogue-agent", "secret": self.env.rogue_secret})
        self.env.admin("POST", "/tenants/demo/agents/rogue-agent/revoke-secret")
        with self.assertRaises(GamutAuthenticationError) as caught:
            rogue.invoke_tool("crm.read_contact", {"id": "1"})
        self.assertEqual(caught.exception.code, "secret_revoked")

    def test_answer_naming_another_agent_raises_identity_mismatch(self):
        relay = TamperingRelay(self.env.base_url)
        try:
            relayed = GamutClient(**{**self.env.demo, "base_url": relay.base_url})
            with self.assertRaises(GamutIdentityMismatchError) as caught:
                relayed.evaluate("crm.read_contact", {"id": "1"})
            self.assertIn("another-agent", str(caught.exception))
        finally:
            relay.close()

    def test_secret_material_is_refused_before_sending(self):
        before = len(self.env.upstream.requests)
        with self.assertRaises(GamutSecretMaterialError) as caught:
            self.gamut.invoke_tool("crm.update_contact", {"id": "1", "api_key": "x"})
        self.assertEqual(caught.exception.findings, [{"path": "$.args.api_key", "kind": "credential_member"}])
        with self.assertRaises(GamutSecretMaterialError):
            self.gamut.model("openai", {"model": "m", "messages": [{"role": "user", "content": "Bearer abcdef123456789"}]})
        self.assertEqual(len(self.env.upstream.requests), before)

    def test_required_approval_raises_unless_waiting(self):
        with self.assertRaises(GamutApprovalRequiredError) as caught:
            self.gamut.invoke_tool("payments.refund", {"order": "A-1", "amount": 5})
        self.assertEqual(caught.exception.status, 409)
        self.assertTrue(caught.exception.approval["id"].startswith("apr_"))

    def _refund_waiting_for_approval(self, order: str, amount: int):
        """Starts a refund that waits on its approval in the background; returns once the approval is pending."""
        outcome: dict = {}
        pending: list = []
        wait = WaitForApproval(initial_interval=0.05, max_interval=0.2, deadline=60, on_pending=pending.append)

        def run():
            try:
                outcome["value"] = self.gamut.invoke_tool("payments.refund", {"order": order, "amount": amount}, wait_for_approval=wait)
            except BaseException as error:  # noqa: BLE001 - handed to the test thread
                outcome["error"] = error

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        eventually(lambda: pending, "the pending approval")
        return thread, outcome, pending

    def test_wait_for_approval_approved_then_retried_once_with_warrant(self):
        before = self.env.count("/payments/refunds")
        thread, outcome, pending = self._refund_waiting_for_approval("A-2", 7)
        self.assertEqual(pending[0]["approvers"], ["alice", "bob"])
        self.env.approve(pending[0]["id"])
        thread.join(60)
        self.assertNotIn("error", outcome)
        self.assertTrue(outcome["value"].invoked)
        self.assertEqual(outcome["value"].decision, "allow_and_log")
        self.assertEqual(self.env.count("/payments/refunds"), before + 1)

    def test_evaluate_with_an_approved_warrant_answers_without_a_token_and_the_warrant_runs_the_action_once(self):
        args = {"order": "A-5", "amount": 11}
        before = self.env.count("/payments/refunds")
        with self.assertRaises(GamutApprovalRequiredError) as held:
            self.gamut.invoke_tool("payments.refund", args)
        approval_id = held.exception.approval["id"]
        self.env.approve(approval_id)
        warrant = self.gamut.wait_for_approval(approval_id, WaitForApproval(initial_interval=0.05), tool="payments.refund")
        # The gateway checks the warrant without spending it and issues no token (docs/agent-protocol.md, the evaluate departure).
        decision = self.gamut.evaluate("payments.refund", args, warrant=warrant)
        self.assertEqual(decision.decision, "allow_and_log")
        self.assertFalse(decision.invoked)
        self.assertIsNone(decision.decision_token)
        self.assertEqual(self.env.count("/payments/refunds"), before)
        action = self.gamut.invoke_tool("payments.refund", args, warrant=warrant)
        self.assertTrue(action.invoked)
        self.assertTrue(action.decision_token.startswith("v1."))
        self.assertEqual(self.env.count("/payments/refunds"), before + 1)

    def test_wait_for_approval_denied_raises_and_nothing_runs(self):
        before = self.env.count("/payments/refunds")
        thread, outcome, pending = self._refund_waiting_for_approval("A-3", 9)
        self.env.deny(pending[0]["id"])
        thread.join(60)
        self.assertIsInstance(outcome.get("error"), GamutApprovalDeniedError)
        self.assertEqual(self.env.count("/payments/refunds"), before)

    def test_wait_for_approval_deadline_raises(self):
        before = self.env.count("/payments/refunds")
        with self.assertRaises(GamutApprovalTimeoutError):
            self.gamut.invoke_tool("payments.refund", {"order": "A-4", "amount": 3},
                                   wait_for_approval=WaitForApproval(initial_interval=0.02, deadline=0.1))
        self.assertEqual(self.env.count("/payments/refunds"), before)



class DecisionReprTests(unittest.TestCase):
    def test_repr_of_a_decision_leaves_its_decision_token_out(self):
        token = "v1.eyJ0aWQiOiJkZW1vIn0.c2lnbmF0dXJlLW5vdC10by1iZS1sb2dnZWQ"
        decision = Decision(invoked=True, decision="allow", explanation={}, decision_token=token)
        self.assertNotIn(token, repr(decision))
        self.assertNotIn(token, str(decision))
        self.assertIn("decision='allow'", repr(decision))
        self.assertEqual(decision.decision_token, token)

if __name__ == "__main__":
    unittest.main()
