"""tests/loadtests/suite.py, as `make test` runs it: a failed test runs once more on its own; one that passes then is
listed as flaky and counted as passed, one that fails again is counted as failed; the log's last lines say which and why."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from parts import ROOT

SAMPLE = '''
import os
import unittest

MARK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "failed-once")


class Sample(unittest.TestCase):
    def test_passes(self):
        self.assertTrue(True)

    def test_failsTheFirstTime(self):
        first = not os.path.exists(MARK)
        open(MARK, "a").close()
        self.assertFalse(first, "the first run fails")

    def test_alwaysFails(self):
        self.assertEqual(1, 2, "never equal")

    def test_subtestAlwaysFails(self):
        for n in (1, 2):
            with self.subTest(n=n):
                self.assertLess(n, 2, "two is not below two")


class BrokenSetUp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("the class cannot start")

    def test_neverRuns(self):
        pass
'''


class SuiteTests(unittest.TestCase):
    def run_suite(self, sample):
        work = tempfile.mkdtemp(prefix="loadtests-suite-")
        tests = os.path.join(work, "tests")
        os.makedirs(tests)
        with open(os.path.join(tests, "test_sample.py"), "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(sample))
        count = os.path.join(work, "loadtests.count")
        done = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "loadtests", "suite.py"), count, tests],
                              capture_output=True, text=True, timeout=120, check=False)
        with open(count, encoding="utf-8") as handle, open(os.path.join(work, "loadtests-flaky.txt"), encoding="utf-8") as flaky:
            return done, handle.read(), flaky.read()

    def test_suite_failedTests_runOnceMoreAndCountFlakyAsPassed(self):
        done, count, flaky = self.run_suite(SAMPLE)

        self.assertEqual(done.returncode, 1, done.stdout)
        # Run: four tests (setUpClass's error is an entry of its own). Failed at first: three entries of the sample
        # class (the flaky one, the always-failing one, one subtest) and the class that cannot start.
        self.assertEqual(count, "loadtests: 2 passed, 3 failed\n")
        self.assertEqual(flaky, "test_sample.Sample.test_failsTheFirstTime\n")
        self.assertIn("loadtests: 4 test(s) failed:", done.stdout)
        self.assertIn("  test_sample.Sample.test_alwaysFails: AssertionError: 1 != 2 : never equal", done.stdout)
        self.assertIn("  flaky (failed, then passed): test_sample.Sample.test_failsTheFirstTime", done.stdout)
        self.assertIn("  failed again: test_sample.Sample.test_alwaysFails: AssertionError: 1 != 2 : never equal", done.stdout)
        self.assertIn("  failed again: test_sample.Sample.test_subtestAlwaysFails: AssertionError: 2 not less than 2 : "
                      "two is not below two", done.stdout)
        self.assertIn("  failed again: test_sample.BrokenSetUp: RuntimeError: the class cannot start", done.stdout)
        self.assertTrue(done.stdout.rstrip().endswith("loadtests: 2 passed, 3 failed"), done.stdout[-500:])

    def test_suite_allPass_noRetryAndAnEmptyFlakyList(self):
        done, count, flaky = self.run_suite('''
            import unittest


            class Sample(unittest.TestCase):
                def test_passes(self):
                    self.assertTrue(True)
            ''')

        self.assertEqual(done.returncode, 0, done.stdout)
        self.assertEqual(count, "loadtests: 1 passed, 0 failed\n")
        self.assertEqual(flaky, "")
        self.assertNotIn("once more", done.stdout)


if __name__ == "__main__":
    unittest.main()
