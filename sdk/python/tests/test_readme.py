"""The README's Python snippets, read as one program in order, compile, use no name they neither import nor define
(a reader copying them gets no NameError), and import from gamut_agent only what it exports. The few values a reader
supplies are named in PLACEHOLDERS."""

import ast
import builtins
import re
import unittest
from pathlib import Path

import gamut_agent

README = Path(__file__).resolve().parents[1] / "README.md"
#: Values the reader supplies, as the README's prose says: the gateway's URL, a receipt and the gateway's JWKS.
PLACEHOLDERS = frozenset({"base_url", "receipt", "jwks"})
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def snippets() -> list[tuple[int, str]]:
    """Each ```python block of the README with the line it starts on."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _BLOCK.finditer(text)]


def bound_names(tree: ast.AST) -> set[str]:
    """Every name the snippet binds anywhere: imports, assignment and loop targets, with/except names, defs, arguments."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


class ReadmeSnippetTests(unittest.TestCase):
    def test_every_python_snippet_compiles_and_uses_only_names_it_imports_or_defines(self):
        blocks = snippets()
        self.assertGreater(len(blocks), 3)
        known = set(dir(builtins)) | PLACEHOLDERS
        undefined = []
        for line, code in blocks:
            tree = ast.parse(code, f"README.md:{line}")
            compile(tree, f"README.md:{line}", "exec")
            known |= bound_names(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in known:
                    undefined.append(f"README.md:{line + node.lineno - 1} {node.id}")
        self.assertEqual(undefined, [], "names used without an import or a definition")

    def test_every_name_imported_from_gamut_agent_exists(self):
        missing = [f"README.md:{line + node.lineno - 1} {alias.name}" for line, code in snippets() for node in ast.walk(ast.parse(code))
                   if isinstance(node, ast.ImportFrom) and node.module == "gamut_agent"
                   for alias in node.names if not hasattr(gamut_agent, alias.name)]
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
