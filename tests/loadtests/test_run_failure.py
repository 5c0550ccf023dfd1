"""loadtests/run.sh when a run fails part-way: the gateway cannot start (its store setting is refused at start-up),
after the upstream, bare YARP and redis-server are up. The script says so, ends with an error at once rather than
after its 90-second wait, and stops everything it started (its exit trap once ended at its first step, a function not
yet defined at that point of the script, and left them all running)."""
import os
import tempfile
import time
import unittest

from parts import ROOT, run_script
from test_run import SETTINGS


class LoadTestRunFailureTests(unittest.TestCase):
    def test_run_gatewayThatCannotStart_endsAtOnceAndLeavesNothingRunning(self):
        reports = tempfile.mkdtemp(prefix="loadtest-fail-")
        env = dict(os.environ, LOADTEST_REPORTS=reports, **SETTINGS,
                   LOADTEST_GATEWAY_ARGS="--Gateway:Store:Kind=no-such-store")
        env.pop("LOADTEST_CAPPED", None)
        began = time.monotonic()
        code, log, left = run_script([os.path.join(ROOT, "loadtests", "run.sh")], env, timeout=300)
        self.assertNotIn(code, (0, None), log[-3000:])
        self.assertIn("the gateway (redis) did not start", log)
        self.assertIn("bare YARP proxy on", log, "the failure came after the other parts had started")
        self.assertEqual(left, [], log[-3000:])
        self.assertLess(time.monotonic() - began, 80, "ended when the gateway exited, not after the 90-second wait")

    def test_run_hopsBesideSyscalls_refusedBeforeAnythingStarts(self):
        reports = tempfile.mkdtemp(prefix="loadtest-hops-")
        env = dict(os.environ, LOADTEST_REPORTS=reports, **dict(SETTINGS, LOADTEST_HOPS="1", LOADTEST_SYSCALLS="1"))
        env.pop("LOADTEST_CAPPED", None)
        code, log, left = run_script([os.path.join(ROOT, "loadtests", "run.sh")], env, timeout=120)
        self.assertNotIn(code, (0, None), log[-3000:])
        self.assertIn("LOADTEST_HOPS=1 and LOADTEST_SYSCALLS=1 do not go together", log)
        self.assertEqual(left, [], log[-3000:])
        self.assertEqual(os.listdir(reports), [], "no report for a run refused at once")


if __name__ == "__main__":
    unittest.main()
