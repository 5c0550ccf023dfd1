"""Acting for a person with the Python SDK against the REAL gateway: the person's identity token rides in
X-Gamut-Person, covered by the signature. The suite's tenant declares no OpenID provider, so the gateway, having
verified the signature over the ten lines, refuses the token itself (person_token_invalid), never the signature."""

import json
import unittest
import urllib.error
import urllib.request

from gamut_agent import PERSON_HEADER, GamutAuthenticationError, GamutClient, GamutConfigurationError

from .support import environment

PERSON_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl"


class PersonTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)

    def test_for_person_signs_the_token_and_the_gateway_checks_the_token_itself(self):
        erin = self.gamut.for_person(PERSON_TOKEN)
        with self.assertRaises(GamutAuthenticationError) as raised:
            erin.evaluate("crm.read_contact", {"id": "7"})
        self.assertEqual(raised.exception.code, "person_token_invalid")
        self.assertEqual(erin.person_token, PERSON_TOKEN)
        self.assertIsNone(self.gamut.person_token)

    def test_person_token_per_call_is_sent_and_signed_and_nothing_is_forwarded(self):
        before = len(self.env.upstream.requests)
        with self.assertRaises(GamutAuthenticationError) as raised:
            self.gamut.invoke_tool("crm.read_contact", {"id": "7"}, person_token=PERSON_TOKEN)
        self.assertEqual(raised.exception.code, "person_token_invalid")
        self.assertEqual(len(self.env.upstream.requests), before)

    def test_opener_signs_an_x_gamut_person_header_the_caller_sets(self):
        body = json.dumps({"tool": "crm.read_contact", "args": {"id": "7"}}).encode("utf-8")
        request = urllib.request.Request(self.gamut.base_url + "/v1/evaluate", data=body, method="POST",
                                         headers={"Content-Type": "application/json", PERSON_HEADER: PERSON_TOKEN})
        with self.assertRaises(urllib.error.HTTPError) as raised:
            self.gamut.opener().open(request, timeout=10)
        self.assertEqual(raised.exception.code, 401)
        self.assertEqual(json.loads(raised.exception.read())["code"], "person_token_invalid")

    def test_the_agent_alone_is_unaffected_and_an_empty_token_is_refused(self):
        self.assertEqual(self.gamut.evaluate("crm.read_contact", {"id": "7"}).decision, "allow")
        with self.assertRaises(GamutConfigurationError):
            self.gamut.for_person(" ")


if __name__ == "__main__":
    unittest.main()
