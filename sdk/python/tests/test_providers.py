"""Provider-native calls signed by the SDK through the real gateway's provider route: the urllib opener
(plain and streamed) and the lazily imported httpx.Auth."""

import asyncio
import importlib
import importlib.util
import json
import os
import sys
import unittest
import urllib.request
from unittest import mock

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


def _import_httpx():
    """The real httpx: the interpreter's own, else Debian's python3-httpx (build/install-test-deps.sh installs it; PyPI
    is out of reach here), appended after every other path so that it shadows nothing; None when neither has it."""
    if importlib.util.find_spec("httpx") is None and os.path.isdir(DEBIAN_PACKAGES) and DEBIAN_PACKAGES not in sys.path:
        sys.path.append(DEBIAN_PACKAGES)
    try:
        return importlib.import_module("httpx")
    except ImportError:
        return None


DEBIAN_PACKAGES = "/usr/lib/python3/dist-packages"
httpx = _import_httpx()


class HttpxAuthTests(unittest.TestCase):
    """The httpx.Auth that the official OpenAI Python client takes (`http_client=httpx.Client(auth=gamut.httpx_auth())`),
    with the real httpx against the real gateway."""

    @classmethod
    def setUpClass(cls):
        cls.env = environment()
        cls.gamut = GamutClient(**cls.env.demo)
        cls.url = cls.gamut.provider_url("openai") + "/chat/completions"

    def test_httpx_auth_without_httpx_says_to_use_the_opener(self):
        # httpx made absent for this call whether or not it is installed: None in sys.modules makes `import httpx` raise
        # ImportError. The SDK's providers module is imported first, so that only httpx's entry is swapped and restored.
        importlib.import_module("gamut_agent.providers")
        with mock.patch.dict(sys.modules, {"httpx": None}), self.assertRaises(ImportError) as caught:
            self.gamut.httpx_auth()
        self.assertIn("opener()", str(caught.exception))
        self.assertIs(sys.modules.get("httpx"), httpx)

    @unittest.skipIf(httpx is None, "httpx is not installed")
    def test_httpx_chat_completion_is_signed_and_the_gateway_injects_the_key(self):
        with httpx.Client(auth=self.gamut.httpx_auth(), timeout=30) as client:
            response = client.post(self.url, json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
                                   headers={"Authorization": "Bearer placeholder"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["choices"][0]["message"]["content"], "".join(STREAM_PIECES))
        received = [r for r in self.env.upstream.requests if r["path"] == "/v1/chat/completions"][-1]
        self.assertEqual(received["headers"]["authorization"], "Bearer openai-test-key")

    @unittest.skipIf(httpx is None, "httpx is not installed")
    def test_httpx_streamed_chat_completion_streams_in_order(self):
        pieces = []
        with httpx.Client(auth=self.gamut.httpx_auth(), timeout=30) as client, client.stream(
                "POST", self.url, json={"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]}) as response:
            self.assertEqual(response.status_code, 200)
            for line in response.iter_lines():
                line = line.strip()  # httpx before 0.24 keeps each line's ending
                if line.startswith("data: ") and line != "data: [DONE]":
                    delta = json.loads(line[6:])["choices"][0]["delta"]
                    if delta.get("content"):
                        pieces.append(delta["content"])
        self.assertEqual(pieces, STREAM_PIECES)

    @unittest.skipIf(httpx is None, "httpx is not installed")
    def test_httpx_async_client_with_a_query_is_signed(self):
        async def post():
            async with httpx.AsyncClient(auth=self.gamut.httpx_auth(), timeout=30) as client:
                return await client.post(self.url + "?api-version=1", json={"model": "m", "messages": [{"role": "user", "content": "hi"}]})

        response = asyncio.run(post())
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["model"], "m")

    @unittest.skipIf(httpx is None, "httpx is not installed")
    def test_httpx_secret_material_in_a_prompt_is_refused_before_sending(self):
        before = len(self.env.upstream.requests)
        with httpx.Client(auth=self.gamut.httpx_auth(), timeout=30) as client, self.assertRaises(GamutSecretMaterialError):
            client.post(self.url, json={"model": "m", "messages": [{"role": "user", "content": "sk-test0000000000000000000000fake"}]})
        self.assertEqual(len(self.env.upstream.requests), before)

    @unittest.skipIf(httpx is None, "httpx is not installed")
    def test_httpx_another_origin_is_refused(self):
        with httpx.Client(auth=self.gamut.httpx_auth(), timeout=5) as client, self.assertRaises(GamutConfigurationError):
            client.post("http://127.0.0.1:9/v1/chat/completions", content=b"{}")


if __name__ == "__main__":
    unittest.main()
