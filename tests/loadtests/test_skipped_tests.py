"""What a skipped test counts as, in every suite's runner: tests/loadtests/suite.py, and build/skipped-tests.sh (sourced by
build/test-dotnet.sh, tests/node/run.sh and sdk/<lang>/run.sh) over the real output of node --test and python -m unittest.
Outside CI a skip stays a skip, named with why and noted on the count line; under CI=true it counts as failed."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from parts import ROOT

HELPER = os.path.join(ROOT, "build", "skipped-tests.sh")


def environment(ci):
    """This process's environment with CI set to `ci`, or without CI when `ci` is None."""
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        env["CI"] = ci
    return env


def write(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(text))
    return path


def helper(parser, log, ci):
    """Sources build/skipped-tests.sh, lists the skips in `log` with `parser` and settles them as a runner does."""
    script = (f'source "{HELPER}"; {parser} "$1" > "$1.tsv"; skipped_tests sample "$(wc -l < "$1.tsv")" "$1.tsv"; '
              'echo "failed+=$skips_failed note=[$skips_note]"')
    return subprocess.run(["bash", "-c", script, "helper", log], capture_output=True, text=True, timeout=60, check=True,
                          env=environment(ci)).stdout


class SkippedTestsTests(unittest.TestCase):
    def test_suite_aSkippedTest_isNamedAndCountsAsFailedOnlyInCi(self):
        work = tempfile.mkdtemp(prefix="loadtests-skips-")
        tests = os.path.join(work, "tests")
        os.makedirs(tests)
        write(tests, "test_sample.py", '''
            import unittest


            class Sample(unittest.TestCase):
                def test_passes(self):
                    self.assertTrue(True)

                @unittest.skip("perf is missing")
                def test_skipped(self):
                    pass
            ''')
        count = os.path.join(work, "loadtests.count")
        seen = {}
        for ci in (None, "true"):
            done = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "loadtests", "suite.py"), count, tests],
                                  capture_output=True, text=True, timeout=120, check=False, env=environment(ci))
            with open(count, encoding="utf-8") as handle:
                seen[ci] = (done.returncode, handle.read(), done.stdout)

        code, line, out = seen[None]
        self.assertEqual((code, line), (0, "loadtests: 1 passed, 0 failed (1 skipped)\n"), out)
        self.assertIn("  skipped: test_sample.Sample.test_skipped: perf is missing", out)
        code, line, out = seen["true"]
        self.assertEqual((code, line), (1, "loadtests: 1 passed, 1 failed (1 skipped, counted as failed: CI=true)\n"), out)
        self.assertIn("loadtests: 1 test(s) skipped, each counted as failed", out)
        self.assertIn("  skipped: test_sample.Sample.test_skipped: perf is missing", out)

    def test_tapSkipped_nodeTestOutput_namesASkippedDescribeBlockAndCountsItInCi(self):
        work = tempfile.mkdtemp(prefix="loadtests-skips-tap-")
        sample = write(work, "sample.test.mjs", '''
            import { describe, test } from 'node:test';
            describe('the console (chromium)', { skip: 'chromium is not installed' }, () => { test('signs in', () => {}); });
            describe('the api', () => { test('answers', () => {}); test('counts syscalls', { skip: 'no perf' }, () => {}); });
            ''')
        tap = subprocess.run(["node", "--test", "--test-reporter=tap", sample], capture_output=True, text=True, timeout=120,
                             check=True, cwd=work).stdout
        # node's own total leaves the skipped describe block out: the helper must not rely on it.
        self.assertIn("# skipped 1\n", tap)
        log = write(work, "node.log", tap)

        outside = helper("tap_skipped", log, None)
        inside = helper("tap_skipped", log, "true")

        for out in (outside, inside):
            self.assertIn("  skipped: the console (chromium): chromium is not installed\n", out)
            self.assertIn("  skipped: counts syscalls: no perf\n", out)
        self.assertIn("failed+=0 note=[ (2 skipped)]", outside)
        self.assertIn("failed+=2 note=[ (2 skipped, counted as failed: CI=true)]", inside)

    def test_unittestSkipped_verboseOutput_namesEachSkipWithWhyAndCountsThemInCi(self):
        work = tempfile.mkdtemp(prefix="loadtests-skips-unittest-")
        write(work, "test_sample.py", '''
            import unittest


            class Sample(unittest.TestCase):
                def test_passes(self):
                    self.assertTrue(True)

                @unittest.skip("httpx is not installed")
                def test_plain(self):
                    pass

                @unittest.skip("it's missing")
                def test_documented(self):
                    """A test whose docstring verbose mode prints on its own line."""
            ''')
        ran = subprocess.run([sys.executable, "-m", "unittest", "-v", "test_sample"], capture_output=True, text=True,
                             timeout=120, check=True, cwd=work)
        log = write(work, "python.log", ran.stderr)

        outside = helper("unittest_skipped", log, None)
        inside = helper("unittest_skipped", log, "1")

        for out in (outside, inside):
            self.assertRegex(out, r"  skipped: test_plain \(test_sample\.Sample(\.test_plain)?\): httpx is not installed\n")
            self.assertRegex(out, r"  skipped: test_documented \(test_sample\.Sample(\.test_documented)?\): it's missing\n")
        self.assertIn("failed+=0 note=[ (2 skipped)]", outside)
        self.assertIn("failed+=2 note=[ (2 skipped, counted as failed: CI=1)]", inside)


if __name__ == "__main__":
    unittest.main()
