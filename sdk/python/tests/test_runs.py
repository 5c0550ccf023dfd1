"""The run scope against the REAL gateway: a run started, every action in it carrying X-Gamut-Run (signed), its events
and ending in the gateway's audit journal in order, an operator's cancel raised as GamutRunCancelledError, and the
framework bridge opening one run per invocation."""

import asyncio
import json
import threading
import unittest
import urllib.request

from gamut_agent import (
    RUN_HEADER, RUN_ID, GamutAuthenticationError, GamutClient, GamutConfigurationError, GamutDeniedError, GamutRunCancelledError, GamutRunEndedError,
    governed_run, governed_tool,
)

from .support import environment
from .test_message_signatures import KEYS

CONTACT = {"id": "42"}
PERSON_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl"


def story(records: list[dict]) -> list[str]:
    """A run's records as one line each: the run's own events by type, every other record by its tool and decision (and
    ``:invoked`` for the record of an invocation's outcome)."""
    return [f"event:{r['run_event']['type']}" if r.get("run_event") else f"{r.get('tool')}:{r['decision']}" + (":invoked" if r.get("invoked") else "")
            for r in records]


class RunScopeTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)

    def key_agent(self, key: str) -> GamutClient:
        """The bundle's key-agent (another agent, signing RFC 9421 with the vectors' key ``key``)."""
        return GamutClient(base_url=self.env.base_url, tenant="demo", workspace="ws-demo", agent_id="key-agent",
                           private_key=KEYS[key]["private_key_pem"], key_id=KEYS[key]["key_id"])

    def test_with_run_carries_the_run_on_every_action_and_records_them_in_order_then_completed(self):
        with self.gamut.run(framework="python-tests", purpose="read contact 42") as run:
            self.assertRegex(run.id, RUN_ID)
            self.assertEqual(self.gamut.run_id, run.id)
            decision = self.gamut.evaluate("crm.read_contact", CONTACT)
            run.step("looked up the contact", {"contact": "42"})
            self.gamut.invoke_tool("crm.read_contact", CONTACT)
        self.assertIsNone(self.gamut.run_id)
        self.assertEqual(run.ended, "completed")
        self.assertEqual(decision.explanation.get("run_id"), run.id)
        self.assertEqual(run.info["framework"], "python-tests")
        records = self.env.run_records(run.id)
        self.assertEqual(story(records), ["event:created", "crm.read_contact:allow", "event:step", "crm.read_contact:allow",
                                         "crm.read_contact:allow:invoked", "event:completed"])
        self.assertEqual(records[2]["run_event"]["name"], "looked up the contact")
        self.assertEqual(self.env.run_story(run.id)["run"]["status"], "completed")
        self.assertTrue(all(r["run_id"] == run.id for r in records))

    def test_a_block_that_raises_records_failed_and_the_exception_propagates(self):
        with self.assertRaises(ZeroDivisionError):
            with self.gamut.run(purpose="divide") as run:
                self.gamut.evaluate("crm.read_contact", CONTACT)
                _ = 1 / 0
        self.assertEqual(run.ended, "failed")
        records = self.env.run_records(run.id)
        self.assertEqual(story(records)[-1], "event:failed")
        self.assertEqual(records[-1]["run_event"]["detail"], {"error": "ZeroDivisionError"})

    def test_an_operator_cancel_raises_run_cancelled_with_the_run_and_nothing_more_runs(self):
        before = self.env.count("/crm/contacts/42")
        with self.assertRaises(GamutRunCancelledError) as raised:
            with self.gamut.run(purpose="to be cancelled") as run:
                self.gamut.evaluate("crm.read_contact", CONTACT)
                self.env.cancel_run(run.id)
                self.gamut.invoke_tool("crm.read_contact", CONTACT)
        error = raised.exception
        self.assertEqual((error.status, error.code, error.run_id), (409, "run_cancelled", run.id))
        self.assertEqual(run.ended, "cancelled")
        self.assertEqual(self.env.count("/crm/contacts/42"), before)
        shown = self.env.run_story(run.id)
        self.assertEqual(shown["run"]["status"], "cancelled")
        self.assertTrue(shown["run"]["ended_by"].startswith("admin:"), shown["run"])
        refused = next(r for r in shown["records"] if r["decision"] == "refused:run_cancelled")
        self.assertEqual((refused["tool"], refused["run_ended_by"]), ("crm.read_contact", shown["run"]["ended_by"]))
        self.assertEqual(story(shown["records"])[-1], "event:cancelled", "the agent acknowledged the cancel when its block ended")

    def test_a_cancel_by_another_process_of_the_agent_raises_run_cancelled_at_the_next_action(self):
        with self.assertRaises(GamutRunCancelledError) as raised:
            with self.gamut.run(purpose="cancelled by a supervisor") as run:
                supervisor = GamutClient(**self.env.demo).in_run(run.id).opener()
                event = urllib.request.Request(f"{self.gamut.base_url}/v1/runs/{run.id}/events", method="POST",
                                               data=b'{"type":"cancelled","name":"supervisor"}', headers={"Content-Type": "application/json"})
                with supervisor.open(event, timeout=30) as response:
                    self.assertEqual(json.loads(response.read())["status"], "cancelled")
                self.gamut.evaluate("crm.read_contact", CONTACT)
        self.assertEqual((raised.exception.run_id, raised.exception.run_status), (run.id, "cancelled"))
        self.assertEqual(story(self.env.run_records(run.id))[-2:], ["crm.read_contact:refused:run_cancelled", "event:cancelled"])

    def test_a_cancel_noticed_only_when_the_block_ends_raises_run_cancelled(self):
        with self.assertRaises(GamutRunCancelledError) as raised:
            with self.gamut.run(purpose="cancelled while thinking") as run:
                self.env.cancel_run(run.id)
        self.assertEqual(raised.exception.run_id, run.id)
        self.assertEqual(run.ended, "cancelled")

    def test_start_run_gives_a_bound_client_whose_run_ends_with_complete(self):
        run = self.gamut.start_run(framework="python-tests", purpose="explicit")
        self.assertEqual(run.client.run_id, run.id)
        self.assertIsNone(self.gamut.run_id, "only the bound client carries it outside a block")
        run.client.evaluate("crm.read_contact", CONTACT)
        self.gamut.evaluate("crm.read_contact", CONTACT)
        run.complete({"answer": "Dana"})
        with self.assertRaises(GamutRunEndedError) as raised:
            run.client.evaluate("crm.read_contact", CONTACT)
        self.assertEqual((raised.exception.code, raised.exception.run_status), ("run_ended", "completed"))
        self.assertNotIsInstance(raised.exception, GamutRunCancelledError)
        self.assertEqual(story(self.env.run_records(run.id))[:3], ["event:created", "crm.read_contact:allow", "event:completed"])

    def test_the_opener_signs_the_run_of_the_block(self):
        with self.gamut.run(purpose="provider-native") as run:
            request = urllib.request.Request(self.gamut.base_url + "/v1/evaluate", method="POST",
                                             data=json.dumps({"tool": "crm.read_contact", "args": CONTACT}).encode(),
                                             headers={"Content-Type": "application/json"})
            with self.gamut.opener().open(request, timeout=30) as response:
                answer = json.loads(response.read())
        self.assertEqual(answer["explanation"]["run_id"], run.id)

    def test_a_run_started_in_a_run_is_its_sub_run(self):
        with self.gamut.run(purpose="outer") as outer:
            with self.gamut.run(purpose="inner") as inner:
                self.assertEqual(self.gamut.run_id, inner.id)
            self.assertEqual(self.gamut.run_id, outer.id)
        self.assertEqual(inner.info["parent_run"], outer.id)

    def test_the_block_does_not_lend_its_run_to_another_agent_or_thread(self):
        key_agent = self.key_agent("ed25519-demo")
        seen = {}
        with self.gamut.run(purpose="mine") as run:
            self.assertIsNone(key_agent.run_id)
            self.assertNotIn("run_id", key_agent.evaluate("crm.read_contact", CONTACT).explanation)
            thread = threading.Thread(target=lambda: seen.update(run=self.gamut.run_id, bound=run.client.run_id))
            thread.start()
            thread.join()
        self.assertEqual(seen, {"run": None, "bound": run.id})

    def test_a_key_pair_agent_covers_the_run_with_its_rfc_9421_signature(self):
        key_agent = self.key_agent("p256-demo")
        with key_agent.run(purpose="signed with a key") as run:
            decision = key_agent.evaluate("crm.read_contact", CONTACT)
        self.assertEqual(decision.explanation["run_id"], run.id)
        self.assertEqual(story(self.env.run_records(run.id))[-1], "event:completed")

    def test_acting_for_a_person_in_a_run_covers_both_and_the_gateway_checks_the_token_itself(self):
        # The suite's tenant declares no OpenID provider: a signature over both verified, the token itself is refused.
        for client in (self.gamut, self.key_agent("ed25519-demo")):
            with self.subTest(client.config.agent_id):
                run = client.start_run(purpose="for a person")
                with self.assertRaises(GamutAuthenticationError) as raised:
                    run.client.for_person(PERSON_TOKEN).evaluate("crm.read_contact", CONTACT)
                self.assertEqual(raised.exception.code, "person_token_invalid")
                run.complete()

    def test_a_run_of_another_agent_is_refused_as_foreign(self):
        key_agent = self.key_agent("ed25519-demo")
        theirs = key_agent.start_run(purpose="not yours")
        with self.assertRaises(GamutDeniedError) as raised:
            self.gamut.in_run(theirs.id).evaluate("crm.read_contact", CONTACT)
        self.assertEqual((raised.exception.status, raised.exception.code), (403, "run_foreign"))
        theirs.complete()

    def test_async_with_run_carries_the_run_in_its_task(self):
        async def scenario():
            async with self.gamut.run(purpose="async") as run:
                decision = await asyncio.to_thread(self.gamut.evaluate, "crm.read_contact", CONTACT)
            return run, decision

        run, decision = asyncio.run(scenario())
        self.assertEqual(decision.explanation["run_id"], run.id)
        self.assertEqual(run.ended, "completed")

    def test_in_run_refuses_a_malformed_run_id_and_signs_a_well_formed_one(self):
        with self.assertRaises(GamutConfigurationError):
            self.gamut.in_run("run-42")
        run = "run-" + "ab" * 16
        headers = self.gamut.in_run(run).signature_headers("POST", "/v1/evaluate", b"{}")
        self.assertEqual(headers[RUN_HEADER], run)


class GovernedRunTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)

    def test_each_invocation_is_one_run_its_tools_carry_and_its_outcome_ends(self):
        @governed_tool(self.gamut, "crm.read_contact")
        def read_contact(id: str) -> str:
            """Reads a CRM contact by id."""

        runs = []

        @governed_run(self.gamut, framework="python-tests")
        def agent(question: str) -> str:
            runs.append(self.gamut.run_id)
            if question == "fail":
                raise RuntimeError("the model gave up")
            return read_contact(id="42")

        self.assertIn("Dana Example", agent("who is 42?"))
        self.assertIn("Dana Example", agent("and again?"))
        with self.assertRaises(RuntimeError):
            agent("fail")
        self.assertEqual(len(set(runs)), 3)
        first, _, failed = (self.env.run_records(r) for r in runs)
        self.assertEqual(story(first), ["event:created", "crm.read_contact:allow", "crm.read_contact:allow:invoked", "event:completed"])
        self.assertEqual(first[0]["run_event"]["detail"]["purpose"], "agent")
        self.assertEqual(story(failed)[-1], "event:failed")

    def test_governed_run_refuses_a_provider_option(self):
        with self.assertRaises(GamutConfigurationError):
            governed_run(self.gamut, base_url="https://api.openai.com/v1")

    def test_a_coroutine_entry_point_is_one_run_too(self):
        @governed_run(self.gamut, purpose="async agent")
        async def agent() -> str:
            return self.gamut.run_id

        run_id = asyncio.run(agent())
        self.assertRegex(run_id, RUN_ID)
        self.assertEqual(story(self.env.run_records(run_id)), ["event:created", "event:completed"])


if __name__ == "__main__":
    unittest.main()
