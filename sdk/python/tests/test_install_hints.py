"""The SDK's `pip install` hints name only what this project ships or depends on, never an unpublished index name."""

import re
import unittest
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
# What a hint may install: the SDK's own dependencies (from an index) or the SDK from its checkout path.
ALLOWED = {"cryptography", "httpx"}
HINT = re.compile(r"pip3? install\s+(?P<args>(?:(?!pip3? install)[^)\n])*)")


def _packages(args: str) -> list[str]:
    """The package words of a hint's arguments: options, quotes and sentence punctuation dropped."""
    words = []
    for word in args.split():
        word = word.lstrip("'\"`").rstrip("'\"`.,;:")
        if not word or word.startswith("-") or word in {"or", "and"}:
            continue
        words.append(word)
    return words


class InstallHintTests(unittest.TestCase):
    def test_pip_install_hints_name_only_known_packages(self):
        offenders = []
        for path in sorted(SRC.rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for hint in HINT.finditer(line):
                    for package in _packages(hint.group("args")):
                        name = re.split(r"[\[<>=!~ ]", package, maxsplit=1)[0]
                        if name not in ALLOWED and not package.startswith("./sdk/python"):
                            offenders.append(f"{path.relative_to(SRC)}:{number}: pip install {package}")
        self.assertEqual(offenders, [], "pip install hints must name cryptography, httpx or ./sdk/python")

    def test_hint_scanner_catches_an_unpublished_name(self):
        hints = [_packages(m.group("args")) for m in HINT.finditer("(pip install 'gamut-agent-sdk[keys]').")]
        self.assertEqual(hints, [["gamut-agent-sdk[keys]"]])
        hints = [_packages(m.group("args")) for m in HINT.finditer('(pip install "./sdk/python[keys]", or pip install cryptography).')]
        self.assertEqual(hints, [["./sdk/python[keys]"], ["cryptography"]])


if __name__ == "__main__":
    unittest.main()
