"""signature_headers refuses, before anything is sent, a request that carries the agent's own runtime secret in its
target (verbatim or percent-encoded to any depth), its body (raw or JSON-escaped) or a header; so does the signing opener."""

import unittest
import urllib.request

from gamut_agent import GamutClient, GamutSecretMaterialError, signature_headers

SECRET = "demo-secret-do-not-use-in-production-0123456789"
IDENTITY = {"tenant": "demo", "workspace": "ws-demo", "agent_id": "demo-agent", "secret": SECRET}


def encode_every_character(text: str) -> str:
    return "".join(f"%{b:02X}" for b in text.encode("utf-8"))


class AgentSecretTests(unittest.TestCase):
    def refused(self, path, **request):
        with self.assertRaises(GamutSecretMaterialError) as caught:
            signature_headers(**{**IDENTITY, **request})
        self.assertEqual(caught.exception.code, "secret_material_in_payload")
        self.assertEqual(caught.exception.findings, [{"path": path, "kind": "agent_secret"}])
        self.assertNotIn(SECRET, str(caught.exception))

    def test_ordinary_request_is_signed(self):
        headers = signature_headers(**IDENTITY, method="POST", target="/providers/openai/v1/chat/completions?stream=true",
                                    body=b'{"model":"gpt","messages":[{"role":"user","content":"hello"}]}',
                                    headers={"X-Request-Label": "ordinary"})
        self.assertRegex(headers["X-Gamut-Signature"], r"^v1=[0-9a-f]{64}$")
        self.assertEqual(headers["X-Gamut-Agent"], "demo-agent")

    def test_secret_verbatim_in_path_is_refused(self):
        self.refused("target", method="GET", target=f"/providers/crm/r/{SECRET}")

    def test_secret_percent_encoded_in_path_is_refused(self):
        self.refused("target", method="GET", target=f"/providers/crm/r/{encode_every_character(SECRET)}")

    def test_secret_percent_encoded_twice_in_path_is_refused(self):
        self.refused("target", method="GET", target=f"/providers/crm/r/{encode_every_character(SECRET).replace('%', '%25')}")

    def test_secret_in_query_is_refused(self):
        self.refused("target", method="GET", target=f"/providers/crm/search?q={encode_every_character(SECRET)}")

    def test_secret_in_query_with_plus_for_space_is_refused(self):
        with self.assertRaises(GamutSecretMaterialError):
            signature_headers(**{**IDENTITY, "secret": "demo secret with spaces 0123456789"}, method="GET",
                              target="/providers/crm/search?q=demo+secret+with+spaces+0123456789")

    def test_secret_in_body_is_refused(self):
        self.refused("body", method="POST", target="/providers/crm/notes", body=f"note={SECRET}".encode())

    def test_secret_json_escaped_in_body_is_refused(self):
        escaped = "".join(f"\\u{ord(c):04x}" for c in SECRET)
        self.refused("body", method="POST", target="/providers/crm/notes", body=('{"note":"%s"}' % escaped).encode())

    def test_secret_in_header_is_refused(self):
        self.refused("header:X-Debug", method="GET", target="/providers/crm/contacts/42", headers={"X-Debug": f"key={SECRET}"})

    def test_opener_refuses_secret_in_path_or_header_before_sending(self):
        opener = GamutClient(base_url="http://127.0.0.1:9", **IDENTITY).opener()
        with self.assertRaises(GamutSecretMaterialError):
            opener.open(f"http://127.0.0.1:9/providers/crm/r/{SECRET}")
        with self.assertRaises(GamutSecretMaterialError) as caught:
            opener.open(urllib.request.Request("http://127.0.0.1:9/providers/crm/contacts/42", headers={"X-Debug": SECRET}))
        self.assertEqual(caught.exception.findings, [{"path": "header:X-debug", "kind": "agent_secret"}])


if __name__ == "__main__":
    unittest.main()
