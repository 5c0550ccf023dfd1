"""Configuration is exactly the five GAMUT_* values; provider configuration is refused at construction."""

import json
import os
import unittest
from http.server import BaseHTTPRequestHandler
from unittest import mock

from gamut_agent import GamutClient, GamutConfigurationError

from .support import local_server, stop_server

FIVE = {
    "GAMUT_BASE_URL": "http://127.0.0.1:8080",
    "GAMUT_TENANT_SLUG": "demo",
    "GAMUT_WORKSPACE_ID": "ws-demo",
    "GAMUT_AGENT_ID": "demo-agent",
    "GAMUT_BYO_AGENT_SECRET": "demo-secret-do-not-use-in-production-0123456789",
}
OPTIONS = {"base_url": "http://127.0.0.1:8080", "tenant": "demo", "workspace": "ws-demo", "agent_id": "demo-agent",
           "secret": FIVE["GAMUT_BYO_AGENT_SECRET"]}


class ConfigurationTests(unittest.TestCase):
    def test_from_env_reads_the_five_values(self):
        client = GamutClient.from_env(FIVE)
        self.assertEqual(client.base_url, "http://127.0.0.1:8080")
        self.assertEqual(client.provider_url("openai"), "http://127.0.0.1:8080/providers/openai")
        self.assertNotIn(FIVE["GAMUT_BYO_AGENT_SECRET"], repr(client))

    def test_missing_value_is_refused(self):
        four = {k: v for k, v in FIVE.items() if k != "GAMUT_AGENT_ID"}
        with self.assertRaises(GamutConfigurationError):
            GamutClient.from_env(four)

    def test_provider_options_are_refused(self):
        for name, value in (("api_key", "x"), ("openai_base_url", "https://api.openai.com/v1"), ("organization", "o"), ("headers", {})):
            with self.subTest(name), self.assertRaises(GamutConfigurationError):
                GamutClient(**OPTIONS, **{name: value})

    def test_base_urls_other_than_the_gateway_origin_are_refused(self):
        for url in ("https://api.openai.com", "http://127.0.0.1:8080/providers/openai", "http://127.0.0.1:8080/v1",
                    "http://user:pw@127.0.0.1:8080", "ftp://127.0.0.1", "http://127.0.0.1:8080/gateway"):
            with self.subTest(url), self.assertRaises(GamutConfigurationError):
                GamutClient(**{**OPTIONS, "base_url": url})

    def test_provider_key_shaped_secret_is_refused(self):
        with self.assertRaises(GamutConfigurationError):
            GamutClient(**{**OPTIONS, "secret": "sk-test0000000000000000000000fake"})

    def test_the_base_url_is_the_origin_as_node_and_dotnet_write_it(self):
        for typed, origin in (("HTTPS://Gateway.Example.COM:443", "https://gateway.example.com"), ("http://GW.example:80", "http://gw.example"),
                              ("http://GW.example:8080/", "http://gw.example:8080"), ("https://gw.example:80", "https://gw.example:80"),
                              ("http://[::1]:80", "http://[::1]"), ("http://[::1]:9", "http://[::1]:9")):
            with self.subTest(typed):
                # Plain http to gw.example needs the opt-in (test_plain_http_to_a_host_other_than_loopback_is_refused).
                self.assertEqual(GamutClient(**{**OPTIONS, "base_url": typed, "allow_insecure_http": True}).base_url, origin)

    def test_plain_http_to_a_host_other_than_loopback_is_refused_naming_the_opt_in(self):
        for url in ("http://gw.example:8080", "http://10.0.0.5", "http://[fd00::1]:8080", "http://localhost.example", "http://127.0.0.1.nip.io",
                    "http://127.1", "http://[::ffff:127.0.0.1]"):
            for attempt in (lambda: GamutClient(**{**OPTIONS, "base_url": url}), lambda: GamutClient.from_env({**FIVE, "GAMUT_BASE_URL": url}),
                            lambda: GamutClient.from_env({**FIVE, "GAMUT_BASE_URL": url, "GAMUT_ALLOW_INSECURE_HTTP": "false"})):
                with self.subTest(url), self.assertRaises(GamutConfigurationError) as caught:
                    attempt()
                self.assertIn("GAMUT_BASE_URL is plain http", str(caught.exception))
                self.assertIn("allow_insecure_http=True", str(caught.exception))
                self.assertIn("GAMUT_ALLOW_INSECURE_HTTP=true", str(caught.exception))

    def test_loopback_or_https_needs_no_opt_in(self):
        for url, origin in (("http://localhost:8080", "http://localhost:8080"), ("http://LOCALHOST", "http://localhost"),
                            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"), ("http://127.8.9.10", "http://127.8.9.10"),
                            ("http://[::1]:8080", "http://[::1]:8080"), ("https://gw.example", "https://gw.example")):
            with self.subTest(url):
                self.assertEqual(GamutClient(**{**OPTIONS, "base_url": url}).base_url, origin)

    def test_the_opt_in_accepts_plain_http_to_another_host(self):
        url = "http://gw.example:8080"
        self.assertEqual(GamutClient(**{**OPTIONS, "base_url": url, "allow_insecure_http": True}).base_url, url)
        self.assertEqual(GamutClient.from_env({**FIVE, "GAMUT_BASE_URL": url, "GAMUT_ALLOW_INSECURE_HTTP": "True"}).base_url, url)
        self.assertEqual(GamutClient.from_env({**FIVE, "GAMUT_BASE_URL": url}, allow_insecure_http=True).base_url, url)

    def test_an_opt_in_that_is_not_true_or_false_is_refused(self):
        with self.assertRaises(GamutConfigurationError):
            GamutClient(**{**OPTIONS, "allow_insecure_http": "true"})
        with self.assertRaisesRegex(GamutConfigurationError, "GAMUT_ALLOW_INSECURE_HTTP must be true or false"):
            GamutClient.from_env({**FIVE, "GAMUT_ALLOW_INSECURE_HTTP": "yes"})

    def test_connector_names_start_with_a_letter_or_digit(self):
        client = GamutClient(**OPTIONS)
        for name in (".", "..", "-openai", "_x", ""):
            with self.subTest(name):
                with self.assertRaises(GamutConfigurationError):
                    client.provider_url(name)
                with self.assertRaises(GamutConfigurationError):
                    client.agent_card(name)
        self.assertEqual(client.provider_url("9open.ai_x-y"), "http://127.0.0.1:8080/providers/9open.ai_x-y")

    def test_provider_setting_among_gamut_variables_is_refused(self):
        with self.assertRaises(GamutConfigurationError):
            GamutClient.from_env({**FIVE, "GAMUT_OPENAI_API_KEY": "x"})


class DelegatedChildTests(unittest.TestCase):
    """A gateway at a host other than loopback, reached through a real local HTTP proxy (urllib's own ProxyHandler)."""

    def test_a_delegated_child_keeps_the_parents_opt_in_to_plain_http(self):
        answer = json.dumps({"agent": "child-1", "secret": "child-secret-0123456789abcdefghij", "tenant": "demo",
                             "delegation": {"name": "researcher", "parent": "demo-agent", "depth": 1, "expires_at": "2099-01-01T00:00:00Z"}}).encode()
        seen = []

        class Proxy(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                seen.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        server, proxy = local_server(Proxy)
        self.addCleanup(stop_server, server)
        with mock.patch.dict(os.environ, {"http_proxy": proxy, "HTTP_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""}):
            parent = GamutClient(base_url="http://gw.example:8080", allow_insecure_http=True, **{k: v for k, v in OPTIONS.items() if k != "base_url"})
            child = parent.delegate("researcher", ["crm.read_contact"])
        self.assertEqual(seen, ["http://gw.example:8080/v1/delegations"])
        self.assertEqual((child.config.agent_id, child.base_url, child.config.allow_insecure_http), ("child-1", "http://gw.example:8080", True))


if __name__ == "__main__":
    unittest.main()
