"""Configuration is exactly the five GAMUT_* values; provider configuration is refused at construction."""

import unittest

from gamut_agent import GamutClient, GamutConfigurationError

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
                self.assertEqual(GamutClient(**{**OPTIONS, "base_url": typed}).base_url, origin)

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


if __name__ == "__main__":
    unittest.main()
