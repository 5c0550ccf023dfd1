"""The bound patches (loadtests/bounds): each applies to the tree as committed, each is in the README's table with the
switch it reads, so that a bound that no longer applies is found by `make test`, not by the next session that runs it."""
import glob
import os
import re
import subprocess
import unittest

from parts import ROOT

BOUNDS = os.path.join(ROOT, "loadtests", "bounds")


def patches():
    return sorted(glob.glob(os.path.join(BOUNDS, "*.patch")))


class BoundPatchTests(unittest.TestCase):
    def test_patches_exist(self):
        self.assertTrue(patches(), "loadtests/bounds holds no patch")

    def test_eachPatch_appliesToTheCommittedTree(self):
        for patch in patches():
            with self.subTest(patch=os.path.basename(patch)):
                applied = subprocess.run(["git", "-C", ROOT, "apply", "--check", "--cached", patch],
                                         capture_output=True, text=True, check=False)
                self.assertEqual(applied.returncode, 0, applied.stderr)

    def test_eachPatch_isInTheReadmeWithItsSwitch(self):
        with open(os.path.join(BOUNDS, "README.md"), encoding="utf-8") as handle:
            rows = [line for line in handle if line.startswith("| `")]
        for patch in patches():
            name = os.path.basename(patch)
            with self.subTest(patch=name):
                with open(patch, encoding="utf-8") as handle:
                    switches = set(re.findall(r'"(BOUND_[A-Z_]+)"', handle.read()))
                self.assertEqual(len(switches), 1, f"{name} reads {sorted(switches)}: one switch per bound")
                row = next((r for r in rows if r.startswith(f"| `{name}`")), None)
                self.assertIsNotNone(row, f"{name} is not in loadtests/bounds/README.md's table")
                self.assertIn(f"`{switches.pop()}=1`", row)


if __name__ == "__main__":
    unittest.main()
