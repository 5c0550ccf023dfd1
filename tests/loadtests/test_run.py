"""loadtests/run.sh end to end at a tiny scale (`make loadtest`'s journey): the real gateway, bare YARP, the floor proxy,
redis-server, the upstream and wrk, two-second rows, then the report. Checks that every row ran, that each gateway
scenario was warmed until the JIT was quiet or the cap, and that the report says how busy the JIT was."""
import glob
import json
import os
import re
import subprocess
import tempfile
import unittest

from parts import ROOT, run_script

SETTINGS = {
    "LOADTEST_SKIP_BUILD": "1", "LOADTEST_STORES": "redis", "LOADTEST_ROUNDS": "1", "LOADTEST_DURATION": "2",
    "LOADTEST_WARMUP": "2", "LOADTEST_WARMUP_SLICE": "2", "LOADTEST_WARMUP_MAX": "4", "LOADTEST_SCENARIOS": "allow",
    "LOADTEST_HALF_SCENARIOS": "allow", "LOADTEST_REFERENCE": "0", "LOADTEST_REPLICAS": "0", "LOADTEST_SCALEOUT": "0",
    "LOADTEST_REDIS_BENCH": "0", "LOADTEST_VARIANTS": "", "LOADTEST_PEER": "1", "LOADTEST_PEER_RATES": "200",
    "LOADTEST_PEER_FLOOR": "1+10 journal", "LOADTEST_PEER_ROUNDS": "2", "LOADTEST_PROFILE": "0", "LOADTEST_SOAK": "0", "LOADTEST_TIMEOUT": "600",
}


def perf_counts_syscalls():
    """Whether perf can count system calls here (linux-perf installed, and root or perf_event_paranoid <= 1)."""
    try:
        return subprocess.run(["perf", "stat", "-e", "raw_syscalls:sys_enter", "--", "true"], capture_output=True,
                              timeout=30, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


# run.sh refuses LOADTEST_SYSCALLS=1 where perf cannot count; there the system-call test is skipped, saying why.
SYSCALLS = perf_counts_syscalls()
SETTINGS["LOADTEST_SYSCALLS"] = "1" if SYSCALLS else "0"


class LoadTestRunTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reports = tempfile.mkdtemp(prefix="loadtest-run-")
        env = dict(os.environ, LOADTEST_REPORTS=cls.reports, **SETTINGS)
        env.pop("LOADTEST_CAPPED", None)
        # run.sh caps itself at LOADTEST_TIMEOUT; past a longer limit its whole session is stopped, so that a run that
        # hangs fails here instead of holding up the suite.
        cls.returncode, cls.log, cls.left_running = run_script([os.path.join(ROOT, "loadtests", "run.sh")], env, timeout=900)
        dirs = glob.glob(os.path.join(cls.reports, "*"))
        cls.report_dir = dirs[0] if len(dirs) == 1 else None
        cls.rows = []
        if cls.report_dir and os.path.exists(os.path.join(cls.report_dir, "results.jsonl")):
            with open(os.path.join(cls.report_dir, "results.jsonl"), encoding="utf-8") as handle:
                cls.rows = [json.loads(line) for line in handle if line.strip()]

    def find(self, target, scenario, phase, round_=1):
        found = [r for r in self.rows if r["target"] == target and r["scenario"] == scenario and r["phase"] == phase
                 and r["round"] == round_]
        self.assertEqual(len(found), 1, f"{target} {scenario} {phase} round {round_}: {len(found)} rows\n{self.log[-3000:]}")
        return found[0]

    def test_run_endsWellWithOneReport(self):
        self.assertEqual(self.returncode, 0, self.log[-3000:])
        self.assertIsNotNone(self.report_dir, os.listdir(self.reports))

    def test_run_leavesNothingRunning(self):
        self.assertEqual(self.left_running, [], self.log[-2000:])

    def test_everyRow_ranWithOnlyExpectedAnswers(self):
        expected = [("baseline", "same-allow", "full"), ("gateway", "allow", "full"), ("baseline", "same-allow", "half"),
                    ("gateway", "allow", "half"), ("baseline", "chat", "rate200"), ("gateway", "chat", "rate200"),
                    ("baseline", "chatsse", "rate200"), ("gateway", "chatstream", "rate200"),
                    ("baseline", "chat[waits1+10]", "rate200"), ("baseline", "chat[journal]", "rate200")]
        for target, scenario, phase in expected:
            # The fixed-rate rows, the floors' among them, run once in each of LOADTEST_PEER_ROUNDS' two rounds.
            for round_ in ((1, 2) if phase == "rate200" else (1,)):
                with self.subTest(f"{target} {scenario} {phase} round {round_}"):
                    r = self.find(target, scenario, phase, round_)
                    self.assertGreater(r["requests"], 0)
                    self.assertEqual(r["unexpected"], 0, r["statuses"])
                    self.assertFalse(any(code.startswith("5") for code in r["statuses"]), r["statuses"])

    def test_gatewayRows_recordTheJitShareOfTheirTime(self):
        gateway_rows = [r for r in self.rows if r["target"] == "gateway"]
        self.assertTrue(gateway_rows)
        for r in gateway_rows:
            with self.subTest(f"{r['scenario']} {r['phase']}"):
                self.assertIn("jit", r)
                self.assertGreaterEqual(r["jit"]["methods"], 0)
                self.assertTrue(0 <= r["jit"]["share"] <= 2, r["jit"])

    def test_warmUp_passesOfSlicesUntilTheJitIsQuietOrTheCap(self):
        # The fixed 2 s each, then passes of one 2 s slice per scenario, at most 4 s of slices in all.
        for group in (["allow"], ["chat", "chatstream"]):
            with self.subTest(" ".join(group)):
                ends = re.findall(rf"warm-up of {re.escape(' '.join(group))}: the JIT (quiet|still busy) after (\d+)s of slices", self.log)
                self.assertEqual(len(ends), 1, self.log[-3000:])
                spent = int(ends[0][1])
                self.assertLessEqual(spent, 4)
                for scenario in group:
                    slices = re.findall(rf"warm-up of {re.escape(scenario)}: the JIT at ([\d.]+) % of the last 2s", self.log)
                    self.assertEqual(len(slices), spent // 2 // len(group), scenario)
                if ends[0][0] == "quiet":
                    last_pass = [float(re.findall(rf"warm-up of {re.escape(s)}: the JIT at ([\d.]+) %", self.log)[-1]) for s in group]
                    self.assertTrue(all(share < 2 for share in last_pass), last_pass)

    @unittest.skipUnless(SYSCALLS, "perf cannot count system calls on this machine (build/install-test-deps.sh installs linux-perf)")
    def test_syscalls_eachStoreRoundTripIsASendOfTheGatewaysOwn(self):
        # A chat completion: bare YARP forwards the request upstream and answers, in three sends (strace counts the same
        # for 1,000 requests); the gateway also sends its store calls to Redis: the admission with the decision record,
        # and the outcome with the budget's settle, which rides the next decision's call when one comes within the
        # outcome's linger (Gateway:Audit:OutcomeLinger) and is a call of its own otherwise: at least one send more.
        bare = self.find("baseline", "chat", "rate200")["syscalls_per_request"]
        gateway = self.find("gateway", "chat", "rate200")["syscalls_per_request"]
        self.assertGreaterEqual(bare["send"], 2.9, "every request's sends counted, to the run's last: " + str(bare))
        self.assertLess(bare["send"], 3.5, bare)
        self.assertGreaterEqual(gateway["send"], bare["send"] + 1, (bare, gateway))
        self.assertGreater(gateway["total"], gateway["send"] + gateway["receive"], gateway)
        with open(os.path.join(self.report_dir, "report.md"), encoding="utf-8") as handle:
            self.assertIn("## System calls per request", handle.read())

    def test_environment_recordsTheJitThresholdTheWarmUpUsed(self):
        with open(os.path.join(self.report_dir, "environment.json"), encoding="utf-8") as handle:
            env = json.load(handle)
        self.assertEqual(env["jit_quiet_percent"], 2, "LOADTEST_JIT_QUIET's default, which report.py then reads")

    def test_report_saysHowBusyTheJitWasAndShowsTheFloor(self):
        with open(os.path.join(self.report_dir, "report.md"), encoding="utf-8") as handle:
            text = handle.read()
        self.assertIn("## Targets", text)
        self.assertTrue("JIT quiet" in text or "JIT was still busy" in text, text[:2000])
        self.assertIn("The floor: bare YARP waiting on the store", text)
        self.assertIn("| 200/s | 1 journal write (fsync) | 0 |", text)


if __name__ == "__main__":
    unittest.main()
