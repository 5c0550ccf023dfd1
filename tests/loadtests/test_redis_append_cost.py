"""loadtests/redis-append-cost.py against a real redis-server: the journal's own Append script, read from RedisScripts.cs
as the store composes it, appends every group it is sent (a script whose arguments moved on would refuse them)."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

from parts import ROOT

SCRIPT = os.path.join(ROOT, "loadtests", "redis-append-cost.py")


class RedisAppendCostTests(unittest.TestCase):
    def test_run_everyCaseOfEverySizeIsMeasured(self):
        with tempfile.TemporaryDirectory() as work:
            out = os.path.join(work, "report")
            result = subprocess.run([sys.executable, SCRIPT, out], capture_output=True, text=True, timeout=300, check=False)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            with open(os.path.join(out, "report.md"), encoding="utf-8") as handle:
                rows = re.findall(r"^\| (\d+) \| (grow|reuse|args) \| ([\d.]+) \|", handle.read(), re.MULTILINE)
        self.assertEqual(len(rows), 9, "three record sizes, three cases each")
        self.assertTrue(all(float(usec) > 0 for _, _, usec in rows))


if __name__ == "__main__":
    unittest.main()
