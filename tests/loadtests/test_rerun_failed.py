"""build/rerun-failed.py, which every suite's runner calls on failures (build/test-dotnet.sh, tests/node/run.sh,
sdk/<lang>/run.sh), over the real output of node --test and python -m unittest: each failed test is named with why,
runs once more on its own, and is listed as flaky when it passes then; build/sum-results.sh prints both lists above
the run's last line."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from parts import ROOT

RERUN = os.path.join(ROOT, "build", "rerun-failed.py")
SUM = os.path.join(ROOT, "build", "sum-results.sh")


def write(folder, name, text):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(text))
    return path


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def rerun(work, suite, kind, log):
    return subprocess.run([sys.executable, RERUN, suite, work, kind, log], cwd=work, capture_output=True, text=True,
                          timeout=300, check=False)


class RerunFailedTests(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="rerun-failed-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.marker = os.path.join(self.work, "ran-once")

    @unittest.skipUnless(shutil.which("node"), "node is missing")
    def test_tap_aTestThatFailsOnceIsFlakyAndOneThatFailsTwiceIsNamedWithWhy(self):
        tests = os.path.join(self.work, "test")
        write(tests, "once.test.js", f'''
            import {{ test }} from 'node:test';
            import {{ existsSync, writeFileSync }} from 'node:fs';
            test('fails the first time', () => {{
              if (!existsSync({self.marker!r})) {{ writeFileSync({self.marker!r}, ''); throw new Error('first run'); }}
            }});
            ''')
        write(tests, "always.test.js", '''
            import assert from 'node:assert/strict';
            import { describe, test } from 'node:test';
            describe('a group', () => {
              test('passes', () => {});
              test('always fails', () => { assert.equal(1, 2); });
            });
            ''')
        write(self.work, "package.json", '{"type": "module"}')
        log = os.path.join(self.work, "node.log")
        with open(log, "w", encoding="utf-8") as handle:
            subprocess.run(["node", "--test", "--test-reporter=tap", "test/"], cwd=self.work, stdout=handle,
                           stderr=subprocess.STDOUT, timeout=120, check=False)

        done = rerun(self.work, "sample", "tap", log)

        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("once.test.js: fails the first time: first run", done.stdout)
        self.assertIn("flaky (failed, then passed): once.test.js: fails the first time", done.stdout)
        self.assertIn("failed again: always.test.js: always fails: Expected values to be strictly equal: 1 !== 2", done.stdout)
        self.assertNotIn("a group", done.stdout)
        self.assertEqual(read(os.path.join(self.work, "sample-flaky.txt")), "once.test.js: fails the first time\n")
        self.assertEqual(read(os.path.join(self.work, "sample-failed.txt")),
                         "always.test.js: always fails: Expected values to be strictly equal: 1 !== 2\n")

    def test_unittest_everyFailureFlakyExitsZeroAndSumResultsListsIt(self):
        write(os.path.join(self.work, "tests"), "__init__.py", "")
        write(os.path.join(self.work, "tests"), "test_sample.py", f'''
            import os
            import unittest


            class Sample(unittest.TestCase):
                def test_passes(self):
                    self.assertTrue(True)

                def test_fails_once(self):
                    if not os.path.exists({self.marker!r}):
                        open({self.marker!r}, "w").close()
                        self.fail("first run")
            ''')
        log = os.path.join(self.work, "python.log")
        with open(log, "w", encoding="utf-8") as handle:
            subprocess.run([sys.executable, "-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."], cwd=self.work,
                           stdout=handle, stderr=subprocess.STDOUT, timeout=120, check=False)
        write(self.work, "sample.count", "sample: 1 passed, 0 failed\n")

        done = rerun(self.work, "sample", "unittest", log)
        summed = subprocess.run(["bash", SUM, self.work], capture_output=True, text=True, timeout=60, check=True).stdout

        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("tests.test_sample.Sample.test_fails_once: AssertionError: first run", done.stdout)
        self.assertEqual(read(os.path.join(self.work, "sample-failed.txt")), "")
        self.assertEqual(summed.splitlines(), ["flaky in sample: tests.test_sample.Sample.test_fails_once",
                                               "1 passed, 0 failed"])

    def test_output_noFailedTestFoundExitsTwoAndKeepsTheRunnersCount(self):
        log = write(self.work, "empty.log", "TAP version 13\n1..0\n# pass 0\n# fail 0\n")

        done = rerun(self.work, "sample", "tap", log)

        self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
        self.assertEqual(read(os.path.join(self.work, "sample-flaky.txt")), "")


if __name__ == "__main__":
    unittest.main()
