"""The framework-shaped wrappers (decorator and callable) against the real gateway. Not tested against
LangGraph or CrewAI, which are not obtainable here."""

import inspect
import unittest

from gamut_agent import GamutAuthenticationError, GamutClient, GamutConfigurationError, governed_tool, tool_callable

from .support import environment


class ToolWrapperTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)

    def test_decorated_tool_keeps_its_shape_and_invokes_through_the_gateway(self):
        @governed_tool(self.gamut, "crm.read_contact")
        def read_contact(id: str) -> str:
            """Reads a CRM contact by id."""
            raise AssertionError("the stub's body never runs")

        self.assertEqual(read_contact.__name__, "read_contact")
        self.assertEqual(read_contact.__doc__, "Reads a CRM contact by id.")
        self.assertEqual(list(inspect.signature(read_contact).parameters), ["id"])
        before = self.env.count("/crm/contacts/42")
        self.assertIn("Dana Example", read_contact("42"))
        self.assertEqual(self.env.count("/crm/contacts/42"), before + 1)

    def test_callable_returns_the_refusal_explanation_and_nothing_runs(self):
        shell = tool_callable(self.gamut, "shell.exec", description="Runs a shell command.")
        self.assertEqual(shell.__name__, "shell_exec")
        text = shell(cmd="rm -rf /")
        self.assertIn("REFUSED by the gateway (block)", text)
        self.assertIn("tool_permission: tool 'shell.exec' is not permitted", text)
        self.assertEqual(self.env.count("/exec"), 0)

    def test_path_failures_raise_instead_of_becoming_text(self):
        stale = GamutClient(**{**self.env.demo, "secret": "an-old-rotated-secret-value"})
        with self.assertRaises(GamutAuthenticationError):
            tool_callable(stale, "crm.read_contact")(id="1")

    def test_wrappers_refuse_credentials_and_urls(self):
        with self.assertRaises(GamutConfigurationError):
            tool_callable(self.gamut, "crm.read_contact", api_key="x")
        with self.assertRaises(GamutConfigurationError):
            governed_tool(self.gamut, "crm.read_contact", base_url="http://elsewhere")


if __name__ == "__main__":
    unittest.main()
