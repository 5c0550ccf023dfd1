"""Key-pair signing (RFC 9421): the shared vectors (tests/vectors/agent-protocol.json, message_signatures), which the
gateway and the other two SDKs are tested against too, and the bundle's key-agent against the REAL gateway."""

import base64
import json
import unittest
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from gamut_agent import (
    MESSAGE_SIGNATURE_COMPONENTS, PERSON_COMPONENT, PERSON_HEADER, RUN_COMPONENT, RUN_HEADER, AgentKey, GamutAuthenticationError, GamutClient, GamutConfigurationError, content_digest,
    message_signature_headers, signature_base, signature_params,
)

from .support import REPO_ROOT, environment

ALL_VECTORS = json.loads((REPO_ROOT / "tests" / "vectors" / "agent-protocol.json").read_text(encoding="utf-8"))
VECTORS = ALL_VECTORS["message_signatures"]
RUN_VECTORS = ALL_VECTORS["run_signing"]["message_signatures"]
KEYS = {k["name"]: k for k in VECTORS["keys"]}
PERSON_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl"


def verifies(key: dict, base: str, signature: bytes) -> bool:
    public = serialization.load_der_public_key(base64.b64decode(key["public_key_spki"]))
    try:
        if key["alg"] == "ed25519":
            public.verify(signature, base.encode("utf-8"))
        else:
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            public.verify(der, base.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def vector_verifies_over(v: dict, **extensions) -> bool:
    """Whether the vector's published signature verifies over its base built with ``extensions`` (a person, a run)."""
    key = KEYS[v["key"]]
    base = signature_base(method=v["method"], target_uri=v["target_uri"], content_digest=v["content_digest"], tenant=v["tenant"],
                          workspace=v["workspace"], agent=v["agent"], created=v["created"], nonce=v["nonce"],
                          key_id=key["key_id"], alg=key["alg"], **extensions)
    return verifies(key, base, base64.b64decode(v["signature"][len("sig1=:"):-1]))


class SharedMessageSignatureVectorTests(unittest.TestCase):
    def test_each_vector_builds_its_base_and_signs_it(self):
        for v in VECTORS["requests"] + RUN_VECTORS["requests"]:
            with self.subTest(v["name"]):
                key = KEYS[v["key"]]
                agent_key = AgentKey(key["private_key_pem"])
                self.assertEqual(agent_key.alg, key["alg"])
                self.assertEqual(content_digest(v["body"], v.get("digest_algorithms", ["sha-256"])), v["content_digest"])
                params = {"created": v["created"], "nonce": v["nonce"], "key_id": key["key_id"], "alg": key["alg"],
                          "person_token": v.get("person"), "run_id": v.get("run")}
                self.assertEqual(f"sig1={signature_params(**params)}", v["signature_input"])
                self.assertEqual(f'"{PERSON_COMPONENT}"' in v["signature_input"], "person" in v)
                self.assertEqual(f'"{RUN_COMPONENT}"' in v["signature_input"], "run" in v)
                base = signature_base(method=v["method"], target_uri=v["target_uri"], content_digest=v["content_digest"],
                                      tenant=v["tenant"], workspace=v["workspace"], agent=v["agent"], **params)
                self.assertEqual(base, v["signature_base"])
                signature = agent_key.sign(base.encode("utf-8"))
                if v["deterministic"]:
                    self.assertEqual(f"sig1=:{base64.b64encode(signature).decode()}:", v["signature"])
                self.assertTrue(verifies(key, base, signature))
                self.assertTrue(verifies(key, base, base64.b64decode(v["signature"][len("sig1=:"):-1])))
                self.assertFalse(verifies(key, base + " ", signature))

    def test_a_person_vector_signed_over_another_persons_token_does_not_verify(self):
        v = next(r for r in VECTORS["requests"] if "person" in r)
        swapped = v["person"][:-1] + ("B" if v["person"].endswith("A") else "A")
        self.assertFalse(vector_verifies_over(v, person_token=swapped))

    def test_message_signature_headers_with_a_person_send_and_cover_it(self):
        agent_key = AgentKey(KEYS["ed25519-demo"]["private_key_pem"])
        identity = {"tenant": "demo", "workspace": "ws-demo", "agent_id": "key-agent", "agent_key": agent_key, "key_id": "demo-ed25519-2026",
                    "method": "POST", "target_uri": "https://gw.example/v1/evaluate", "body": b"{}"}
        with_person = message_signature_headers(**identity, person_token="a.b.c")
        without = message_signature_headers(**identity)
        self.assertEqual(with_person[PERSON_HEADER], "a.b.c")
        self.assertIn('"x-gamut-agent" "x-gamut-person");', with_person["Signature-Input"])
        self.assertNotIn(PERSON_HEADER, without)
        self.assertIn('"x-gamut-agent");', without["Signature-Input"])

    def test_the_run_vectors_cover_the_run_after_the_six(self):
        self.assertEqual(list(RUN_VECTORS["components"]), [*MESSAGE_SIGNATURE_COMPONENTS, RUN_COMPONENT])
        v = RUN_VECTORS["requests"][0]
        self.assertTrue(vector_verifies_over(v, run_id=v["run"]))
        self.assertFalse(vector_verifies_over(v, run_id="run-" + "0" * 32))
        self.assertFalse(vector_verifies_over(v))

    def test_message_signature_headers_for_a_person_in_a_run_cover_the_person_then_the_run(self):
        agent_key = AgentKey(KEYS["ed25519-demo"]["private_key_pem"])
        run = RUN_VECTORS["requests"][0]["run"]
        headers = message_signature_headers(tenant="demo", workspace="ws-demo", agent_id="key-agent", agent_key=agent_key, key_id="demo-ed25519-2026",
                                            method="POST", target_uri="https://gw.example/v1/evaluate", body=b"{}", person_token="a.b.c", run_id=run)
        self.assertEqual((headers[PERSON_HEADER], headers[RUN_HEADER]), ("a.b.c", run))
        self.assertIn('"x-gamut-agent" "x-gamut-person" "x-gamut-run");', headers["Signature-Input"])
        created = int(headers["Signature-Input"].split(";created=")[1].split(";")[0])
        nonce = headers["Signature-Input"].split('nonce="')[1].split('"')[0]
        base = signature_base(method="POST", target_uri="https://gw.example/v1/evaluate", content_digest=headers["Content-Digest"], tenant="demo",
                              workspace="ws-demo", agent="key-agent", created=created, nonce=nonce, key_id="demo-ed25519-2026",
                              alg="ed25519", person_token="a.b.c", run_id=run)
        self.assertTrue(base.endswith(f'"x-gamut-person": a.b.c\n"x-gamut-run": {run}\n"@signature-params": ' + headers["Signature-Input"][len("sig1="):]))
        self.assertTrue(verifies(KEYS["ed25519-demo"], base, base64.b64decode(headers["Signature"][len("sig1=:"):-1])))

    def test_the_target_uri_is_the_normalized_origin_as_node_and_dotnet_sign_it(self):
        key = KEYS["ed25519-demo"]
        client = GamutClient(base_url="HTTPS://GW.Example:443", tenant="demo", workspace="ws-demo", agent_id="key-agent",
                             private_key=key["private_key_pem"], key_id=key["key_id"])
        headers = client.signature_headers("GET", "/v1/approvals/apr_1")
        created = int(headers["Signature-Input"].split(";created=")[1].split(";")[0])
        nonce = headers["Signature-Input"].split('nonce="')[1].split('"')[0]
        base = signature_base(method="GET", target_uri="https://gw.example/v1/approvals/apr_1", content_digest=headers["Content-Digest"],
                              tenant="demo", workspace="ws-demo", agent="key-agent", created=created, nonce=nonce, key_id=key["key_id"], alg=key["alg"])
        self.assertTrue(verifies(key, base, base64.b64decode(headers["Signature"][len("sig1=:"):-1])))

    def test_a_fragment_is_not_part_of_the_target_uri(self):
        key = KEYS["ed25519-demo"]
        client = GamutClient(base_url="https://gw.example", tenant="demo", workspace="ws-demo", agent_id="key-agent",
                             private_key=key["private_key_pem"], key_id=key["key_id"])
        headers = client.signature_headers("GET", "/providers/docs/mcp?x=1", target_uri="https://gw.example/providers/docs/mcp?x=1#section")
        created = int(headers["Signature-Input"].split(";created=")[1].split(";")[0])
        nonce = headers["Signature-Input"].split('nonce="')[1].split('"')[0]
        base = signature_base(method="GET", target_uri="https://gw.example/providers/docs/mcp?x=1", content_digest=headers["Content-Digest"],
                              tenant="demo", workspace="ws-demo", agent="key-agent", created=created, nonce=nonce, key_id=key["key_id"], alg=key["alg"])
        self.assertTrue(verifies(key, base, base64.b64decode(headers["Signature"][len("sig1=:"):-1])))

    def test_the_same_key_as_base64_pkcs8_der_signs_as_the_pem_does(self):
        key = KEYS["ed25519-demo"]
        self.assertEqual(AgentKey(key["private_key_pkcs8"]).sign(b"x"), AgentKey(key["private_key_pem"]).sign(b"x"))


class KeyPairConfigurationTests(unittest.TestCase):
    BASE = {"base_url": "http://127.0.0.1:1", "tenant": "demo", "workspace": "ws-demo", "agent_id": "key-agent"}

    def test_from_env_reads_the_private_key_and_key_id_instead_of_the_secret(self):
        client = GamutClient.from_env({"GAMUT_BASE_URL": "http://127.0.0.1:1", "GAMUT_TENANT_SLUG": "demo", "GAMUT_WORKSPACE_ID": "ws-demo",
                                       "GAMUT_AGENT_ID": "key-agent", "GAMUT_AGENT_PRIVATE_KEY": KEYS["p256-demo"]["private_key_pem"],
                                       "GAMUT_AGENT_KEY_ID": "demo-p256-2026"})
        self.assertEqual(client.config.key_id, "demo-p256-2026")
        self.assertNotIn("PRIVATE", repr(client))

    def test_secret_and_key_together_a_key_without_id_or_a_non_key_are_refused_without_echoing_it(self):
        pem = KEYS["ed25519-demo"]["private_key_pem"]
        with self.assertRaises(GamutConfigurationError):
            GamutClient(**self.BASE, secret="s", private_key=pem, key_id="k")
        with self.assertRaises(GamutConfigurationError):
            GamutClient(**self.BASE, private_key=pem)
        with self.assertRaises(GamutConfigurationError) as refused:
            GamutClient(**self.BASE, private_key="bm90IGEga2V5", key_id="k")
        self.assertNotIn("bm90IGEga2V5", str(refused.exception))


class KeyAgentGatewayTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()

    def key_agent(self, name: str) -> GamutClient:
        return GamutClient(base_url=self.env.base_url, tenant="demo", workspace="ws-demo", agent_id="key-agent",
                           private_key=KEYS[name]["private_key_pem"], key_id=KEYS[name]["key_id"])

    def test_evaluate_signed_with_each_key_is_answered(self):
        for name in ("ed25519-demo", "p256-demo"):
            with self.subTest(name):
                self.assertEqual(self.key_agent(name).evaluate("crm.read_contact", {"id": "11"}).decision, "allow")

    def test_invoke_tool_signed_with_a_key_reaches_the_upstream(self):
        action = self.key_agent("ed25519-demo").invoke_tool("crm.read_contact", {"id": "42"})
        self.assertTrue(action.invoked)
        self.assertEqual(action.result["name"], "Dana Example")

    def test_for_person_on_a_key_pair_client_signs_the_token_and_the_gateway_checks_the_token_itself(self):
        # The suite's tenant declares no OpenID provider: the gateway, having verified the signature over x-gamut-person,
        # refuses the token itself (person_token_invalid), never person_token_unbound or signature_mismatch.
        for name in ("ed25519-demo", "p256-demo"):
            with self.subTest(name):
                before = len(self.env.upstream.requests)
                with self.assertRaises(GamutAuthenticationError) as refused:
                    self.key_agent(name).for_person(PERSON_TOKEN).invoke_tool("crm.read_contact", {"id": "7"})
                self.assertEqual(refused.exception.code, "person_token_invalid")
                self.assertEqual(len(self.env.upstream.requests), before)

    def test_the_opener_of_a_key_pair_client_covers_an_x_gamut_person_header_the_caller_sets(self):
        gamut = self.key_agent("ed25519-demo")
        body = json.dumps({"tool": "crm.read_contact", "args": {"id": "7"}}).encode("utf-8")
        request = urllib.request.Request(gamut.base_url + "/v1/evaluate", data=body, method="POST",
                                         headers={"Content-Type": "application/json", PERSON_HEADER: PERSON_TOKEN})
        with self.assertRaises(urllib.error.HTTPError) as raised:
            gamut.opener().open(request, timeout=10)
        self.assertEqual(raised.exception.code, 401)
        self.assertEqual(json.loads(raised.exception.read())["code"], "person_token_invalid")

    def test_the_opener_of_a_key_pair_client_sends_a_lower_case_patch_upper_cased_as_signed_not_401(self):
        # urllib sends the method as given; the gateway reads @method as sent.
        gamut = self.key_agent("ed25519-demo")
        request = urllib.request.Request(gamut.provider_url("openai") + "/v1/chat/completions", data=b'{"model":"m"}', method="patch",
                                         headers={"Content-Type": "application/json"})
        try:
            with gamut.opener().open(request, timeout=10) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        self.assertNotEqual(status, 401, text)
        self.assertEqual(request.get_method(), "PATCH")

    def test_the_key_agent_signing_with_a_secret_is_refused(self):
        hmac = GamutClient(base_url=self.env.base_url, tenant="demo", workspace="ws-demo", agent_id="key-agent",
                           secret="not-the-agents-secret-0123456789")
        with self.assertRaises(GamutAuthenticationError) as refused:
            hmac.evaluate("crm.read_contact", {"id": "11"})
        self.assertEqual(refused.exception.code, "signature_scheme_mismatch")
