"""Provider-native calls signed by the SDK through the real gateway's provider route: the urllib opener
(plain and streamed) and the lazily imported httpx.Auth."""

import importlib.util
import json
import unittest
import urllib.request

from gamut_agent import GamutClient, GamutConfigurationError, GamutSecretMaterialError

from .support import environment
from .upstream import STREAM_PIECES


class UrllibOpenerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)
        cls.opener = cls.gamut.opener()

    def _chat(self, payload, headers=None):
        return urllib.request.Request(self.gamut.provider_url("openai") + "/chat/completions", data=json.dumps(payload).encode(),
                                      headers={"Content-Type": "application/json", **(headers or {})}, method="POST")

    def test_chat_completion_is_signed_and_the_gateway_injects_the_key(self):
        request = self._chat({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}, {"Authorization": "Bearer placeholder"})
        with self.opener.open(request, timeout=30) as response:
            completion = json.loads(response.read())
        self.assertEqual(completion["choices"][0]["message"]["content"], "".join(STREAM_PIECES))
        received = [r for r in self.env.upstream.requests if r["path"] == "/v1/chat/completions"][-1]
        self.assertEqual(received["headers"]["authorization"], "Bearer openai-test-key")

    def test_streamed_chat_completion_streams_in_order(self):
        request = self._chat({"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
        pieces = []
        with self.opener.open(request, timeout=30) as response:
            for line in response:
                line = line.decode().strip()
                if line.startswith("data: ") and line != "data: [DONE]":
                    delta = json.loads(line[6:])["choices"][0]["delta"]
                    if delta.get("content"):
                        pieces.append(delta["content"])
        self.assertEqual(pieces, STREAM_PIECES)

    def test_secret_material_in_a_prompt_is_refused_before_sending(self):
        before = len(self.env.upstream.requests)
        with self.assertRaises(GamutSecretMaterialError):
            self.opener.open(self._chat({"model": "m", "messages": [{"role": "user", "content": "sk-test0000000000000000000000fake"}]}), timeout=30)
        self.assertEqual(len(self.env.upstream.requests), before)

    def test_another_origin_is_refused(self):
        with self.assertRaises(GamutConfigurationError):
            self.opener.open(urllib.request.Request("http://127.0.0.1:9/v1/chat/completions", data=b"{}", method="POST"), timeout=5)


class HttpxAuthTests(unittest.TestCase):
    @unittest.skipIf(importlib.util.find_spec("httpx") is not None, "httpx is installed")
    def test_httpx_auth_without_httpx_says_to_use_the_opener(self):
        gamut = GamutClient(**environment().demo)
        with self.assertRaises(ImportError) as caught:
            gamut.httpx_auth()
        self.assertIn("opener()", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
