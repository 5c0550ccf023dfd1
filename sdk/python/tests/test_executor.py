"""GatewayDecisionTokenVerifier as an executor uses it, against the REAL gateway: tokens from POST /v1/evaluate (the
SDK's own client), the verify endpoint with an executor token minted through the admin API, and the agent's kill switch
revoking the token."""

import base64
import hashlib
import hmac
import json
import time
import unittest

from gamut_agent import DecisionTokenStatus, GamutClient, GatewayDecisionTokenVerifier, gateway_key

from .support import DEMO, ManualClock, environment

TOOL = "crm.read_contact"


class ExecutorVerifierTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)
        cls.executor = cls.env.executor_token()

    def verifier(self, **options) -> GatewayDecisionTokenVerifier:
        settings = {"gateway_url": self.env.base_url, "executor_token": self.executor,
                    "decision_signing_key": self.env.decision_signing_key, "live_cache": 0, **options}
        return GatewayDecisionTokenVerifier(**settings)

    def evaluate(self, contact: str):
        return self.gamut.evaluate(TOOL, {"id": contact})

    def test_a_token_from_evaluate_is_live_with_its_claims(self):
        decision = self.evaluate("executor-1")
        digest = decision.explanation["intent_digest"]
        result = self.verifier().verify(decision.decision_token, tenant="demo", tool=TOOL, intent_digest=digest)
        self.assertEqual((result.status, result.reason), (DecisionTokenStatus.LIVE, None))
        self.assertTrue(result.live)
        c = result.claims
        self.assertEqual((c.tenant, c.agent, c.tool, c.intent_digest, c.decision, c.is_evaluation), ("demo", DEMO["agent_id"], TOOL, digest, "allow", True))
        self.assertTrue(c.request_id)
        self.assertIsInstance(c.tenant_generation, int)
        self.assertIsInstance(c.agent_generation, int)

    def test_a_tampered_token_is_invalid(self):
        version, part, mac = self.evaluate("executor-2").decision_token.split(".")
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).replace(b'"demo-agent"', b'"rogue-agent"')
        renamed = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        result = self.verifier().verify(".".join([version, renamed, mac]), tenant="demo", tool=TOOL)
        self.assertEqual((result.status, result.reason, result.claims), (DecisionTokenStatus.INVALID, "bad_signature", None))

    def test_a_token_re_signed_under_a_cached_live_tokens_jti_is_asked_of_the_gateway_and_invalid(self):
        # A holder of the decision signing key re-signs a live token's payload, its jti kept, for another tool and intent:
        # the offline check passes, and only the gateway (which binds the payloads it issued) can tell.
        token = self.evaluate("executor-resigned").decision_token
        verifier = self.verifier(live_cache=5)
        self.assertTrue(verifier.verify(token, tenant="demo", tool=TOOL).live)
        part = token.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        payload.update({"tool": "payments.refund", "act": "b" * 64})
        forged_part = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        mac = hmac.new(gateway_key(self.env.decision_signing_key), f"v1.{forged_part}".encode("ascii"), hashlib.sha256).digest()
        forged = f"v1.{forged_part}." + base64.urlsafe_b64encode(mac).decode().rstrip("=")
        result = verifier.verify(forged, tenant="demo", tool="payments.refund")
        self.assertEqual((result.status, result.claims.tool if result.claims else None), (DecisionTokenStatus.INVALID, "payments.refund"))
        self.assertTrue(verifier.verify(token, tenant="demo", tool=TOOL).live)

    def test_without_a_cache_suspending_the_agent_revokes_its_token_at_once(self):
        token = self.evaluate("executor-3").decision_token
        verifier = self.verifier()
        self.assertTrue(verifier.verify(token, tenant="demo", tool=TOOL).live)
        with self.env.suspended(DEMO["agent_id"]):
            revoked = verifier.verify(token, tenant="demo", tool=TOOL)
        self.assertEqual((revoked.status, revoked.reason, revoked.claims.agent), (DecisionTokenStatus.REVOKED, "agent_revoked", DEMO["agent_id"]))
        self.assertEqual(verifier.verify(token, tenant="demo", tool=TOOL), revoked)

    def test_a_live_answer_is_reused_within_the_cache_time_then_asked_again(self):
        token = self.evaluate("executor-4").decision_token
        clock = ManualClock(time.time())
        verifier = self.verifier(live_cache=5, clock=clock)
        self.assertTrue(verifier.verify(token, tenant="demo", tool=TOOL).live)
        with self.env.suspended(DEMO["agent_id"]):
            clock.now += 4.9
            cached = verifier.verify(token, tenant="demo", tool=TOOL)
            clock.now += 0.1
            asked = verifier.verify(token, tenant="demo", tool=TOOL)
        self.assertEqual(cached.status, DecisionTokenStatus.LIVE)
        self.assertEqual((asked.status, asked.reason), (DecisionTokenStatus.REVOKED, "agent_revoked"))

    def test_a_consumed_token_is_live_once_then_used_through_any_verifier(self):
        token = self.evaluate("executor-consume").decision_token
        verifier = self.verifier(live_cache=2)
        self.assertTrue(verifier.verify(token, tenant="demo", tool=TOOL).live)
        first = verifier.consume(token, tenant="demo", tool=TOOL)
        again = verifier.verify(token, tenant="demo", tool=TOOL, consume=True)
        elsewhere = self.verifier().consume(token, tenant="demo", tool=TOOL)
        self.assertEqual((first.status, first.reason), (DecisionTokenStatus.LIVE, None))
        self.assertEqual((again.status, again.reason), (DecisionTokenStatus.REVOKED, "used"))
        self.assertEqual((elsewhere.status, elsewhere.reason), (DecisionTokenStatus.REVOKED, "used"))

    def test_a_credential_without_the_executor_role_is_refused_unavailable_credential_refused(self):
        token = self.evaluate("executor-5").decision_token
        # The agent's own secret (an agent never verifies), an admin token, an approver token.
        for credential in (DEMO["secret"], self.env.admin_token, self.env.approver()):
            with self.subTest(credential=credential[:4]):
                result = self.verifier(executor_token=credential).verify(token, tenant="demo", tool=TOOL)
                self.assertEqual((result.status, result.reason), (DecisionTokenStatus.UNAVAILABLE, "credential_refused"))

