"""`pip install ./sdk/python` needs nothing from an index: the in-tree build backend writes a complete wheel."""

import importlib.util
import tempfile
import unittest
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _backend():
    spec = importlib.util.spec_from_file_location("gamut_build", ROOT / "build_backend" / "gamut_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PackagingTests(unittest.TestCase):
    def test_wheel_holds_every_module_and_a_record_of_them(self):
        backend = _backend()
        self.assertEqual(backend.get_requires_for_build_wheel(), [])
        with tempfile.TemporaryDirectory() as out:
            name = backend.build_wheel(out)
            with zipfile.ZipFile(Path(out) / name) as wheel:
                names = set(wheel.namelist())
                record = wheel.read("gamut_agent-0.1.0.dist-info/RECORD").decode()
        modules = {f"gamut_agent/{p.name}" for p in (ROOT / "src" / "gamut_agent").glob("*.py")}
        self.assertTrue(modules <= names, modules - names)
        for module in modules:
            self.assertIn(module + ",sha256=", record)
        self.assertIn("gamut_agent-0.1.0.dist-info/METADATA", names)


if __name__ == "__main__":
    unittest.main()
