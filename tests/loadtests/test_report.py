"""loadtests/report.py: the tables it derives from a run's rows, and the committed reports, which regenerate byte for
byte from their own results."""
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from parts import ROOT

REPORT_PY = os.path.join(ROOT, "loadtests", "report.py")
_spec = importlib.util.spec_from_file_location("loadtest_report", REPORT_PY)
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)


def row(target, scenario, phase="full", rps=1000.0, p99=2000, jit=None, cpu=None, rate=0, store="redis", round_=1, syscalls=None):
    r = {"store": store, "target": target, "scenario": scenario, "phase": phase, "round": round_, "connections": 32,
         "rate": rate, "expect": "200", "requests": int(rps * 10), "rps": rps, "ok": int(rps * 10), "unexpected": 0,
         "socket_errors": 0, "exhausted": 0, "statuses": {"200": int(rps * 10)}, "duration_s": 10.0,
         "latency_us": {"p50": p99 // 4, "p90": p99 // 2, "p99": p99, "p999": p99 * 2, "max": p99 * 3}}
    if jit is not None:
        r["jit"] = {"methods": 10, "share": jit}
    if cpu is not None:
        r["cpu_us_per_request"] = {"target": cpu, "machine": cpu * 2}
    if syscalls is not None:
        r["syscalls_per_request"] = syscalls
    return r


class FloorPartsTests(unittest.TestCase):
    def test_floorParts_readsWaitsAndWork(self):
        self.assertEqual(report.floor_parts("chat[waits3+150]"), (3, 150))
        self.assertEqual(report.floor_parts("chat[waits2]"), (2, 0))
        self.assertEqual(report.floor_parts("chat[journal]"), (1, 0), "one journal write is one wait")

    def test_writeFloor_addedLatencyIsOverBareAtTheSameRate(self):
        summary = report.aggregate([
            row("baseline", "chat", "rate3000", p99=2000, cpu=200, rate=3000),
            row("baseline", "chat[waits3+50]", "rate3000", p99=4500, cpu=300, rate=3000),
            row("baseline", "chat[waits2]", "rate3000", p99=3000, cpu=280, rate=3000),
            row("gateway", "chat", "rate3000", p99=9000, cpu=450, rate=3000),
        ])
        lines = []
        report.write_floor(lines, summary, ["rate3000"])
        table = [line for line in lines if line.startswith("| 3000/s")]
        self.assertEqual(len(table), 2)
        self.assertIn("| 3000/s | 2 Redis | 0 |", table[0], "rows ordered by round trips, then work")
        self.assertIn("| 3000/s | 3 Redis | 50 |", table[1])
        # p99 added over bare: floor 4.5 - 2.0 ms, gateway 9.0 - 2.0 ms; CPU bare / floor / gateway.
        self.assertIn("/ 2.50 /", table[1])
        self.assertIn("/ 7.00 /", table[1])
        self.assertIn("| 200 / 300 / 450 |", table[1])

    def test_writeFloor_journalFloorAfterTheRedisOnesWithEachRowsWorkItems(self):
        rows = [
            row("baseline", "chat", "rate1000", p99=1400, cpu=390, rate=1000, store="memory"),
            row("baseline", "chat[journal]", "rate1000", p99=1800, cpu=490, rate=1000, store="memory"),
            row("baseline", "chat[waits1]", "rate1000", p99=2600, cpu=480, rate=1000, store="memory"),
            row("gateway", "chat", "rate1000", p99=3700, cpu=750, rate=1000, store="memory"),
        ]
        for r, items in zip(rows, (3.91, 3.92, 6.8, 4.31)):
            r["thread_pool"] = {"work_items_per_request": items, "lock_contentions_per_request": 0}
        lines = []
        report.write_floor(lines, report.aggregate(rows), ["rate1000"])
        table = [line for line in lines if line.startswith("| 1000/s")]
        self.assertEqual(len(table), 2)
        self.assertIn("| 1000/s | 1 Redis | 0 |", table[0])
        self.assertIn("| 1000/s | 1 journal write (fsync) | 0 |", table[1])
        self.assertIn("/ 0.40 /", table[1], "the journal floor's p99 over bare: 1.8 - 1.4 ms")
        self.assertIn("| 3.91 / 3.92 / 4.31 |", table[1], "work items per request: bare / floor / gateway")


class SyscallTests(unittest.TestCase):
    def test_writeSyscalls_medianPerKindBareBesideTheGateway(self):
        bare = {"total": 20.0, "send": 2.0, "receive": 2.7, "epoll_wait": 1.35, "futex": 2.6, "sched_yield": 69.0}
        summary = report.aggregate([
            row("gateway", "chat", "rate1000", rate=1000, syscalls=dict(bare, send=6.0), round_=1),
            row("gateway", "chat", "rate1000", rate=1000, syscalls=dict(bare, send=7.0), round_=2),
            row("gateway", "chat", "rate1000", rate=1000, syscalls=dict(bare, send=6.4), round_=3),
            row("baseline", "chat", "rate1000", rate=1000, syscalls=bare),
            row("gateway", "allow", "full"),
        ])
        lines = []
        report.write_syscalls(lines, summary)
        table = [line for line in lines if line.startswith("| redis")]
        self.assertEqual(len(table), 2, "a row without the count has no line")
        self.assertTrue(table[0].startswith("| redis | baseline:chat | rate1000 | 20.00 | 2.00 | 2.70 |"), table[0])
        self.assertTrue(table[1].startswith("| redis | gateway:chat | rate1000 | 20.00 | 6.40 |"), "the median of the rounds")

    def test_writeSyscalls_noCountsNoSection(self):
        lines = []
        report.write_syscalls(lines, report.aggregate([row("gateway", "allow")]))
        self.assertEqual(lines, [])


class RedisScriptTests(unittest.TestCase):
    def test_writeRedisScript_medianOfTheRoundsAtEachRate(self):
        def timed(phase, mean, p50, p99, round_):
            r = row("gateway", "chat", phase, rate=1000, round_=round_)
            r["redis"] = {"script_runs_per_request": 0.99, "commands_total_per_request": 15.6,
                          "script_us_per_run": mean, "script_latency_us": {"p50": p50, "p99": p99, "p99.9": p99 * 2}}
            return r
        summary = report.aggregate([timed("rate1000", 105.7, 108.0, 297.0, 1), timed("rate1000", 119.3, 112.0, 310.0, 2),
                                    timed("rate1000", 110.0, 104.0, 299.0, 3), row("baseline", "chat", "rate1000", rate=1000)])
        lines = []
        report.write_redis_script(lines, summary)
        table = [line for line in lines if line.startswith("| redis")]
        self.assertEqual(table, ["| redis | rate1000 gateway:chat | 0.99 | 110 | 108 | 299 |"])

    def test_writeRedisScript_rowsWithoutTheScriptsTimeNoSection(self):
        r = row("gateway", "allow")
        r["redis"] = {"script_runs_per_request": 0.16, "commands_total_per_request": 5.5}
        lines = []
        report.write_redis_script(lines, report.aggregate([r]))
        self.assertEqual(lines, [])


def hot_path(rows, cores, more=None):
    """Issue #71's targets of a run of these rows on a machine of that many cores, by their text's start."""
    summary = report.aggregate(rows)
    extra = dict(more or {}, cores=cores)
    return {t["target"].split(" (")[0].split(" <=")[0].split(" >=")[0]: t
            for t in report.hot_path_targets(report.comparisons(summary), summary, extra)}


def chat_rate(target, scenario, phase, p50, p99, cpu, calls=None, store="redis"):
    r = row(target, scenario, phase, rate=int(phase[4:]), p99=p99, cpu=cpu, store=store)
    r["latency_us"]["p50"] = p50
    if calls is not None:
        r["stages"] = {"total": {"count": 1000, "sum_us": 700000, "mean_us": 700, "p50_us": 600, "p99_us": 2000}}
        r["store_operations"] = {op: {"count": int(n * 1000), "sum_us": 1000.0, "mean_us": 1, "p50_us": 1, "p99_us": 1}
                                 for op, n in calls.items()}
    return r


class HotPathTargetTests(unittest.TestCase):
    def test_hotPathTargets_underSixteenCoresJudgesTheTwoCoreSet(self):
        targets = hot_path([
            chat_rate("gateway", "chat", "rate1000", 800, 1900, 700, calls={"log_append_admit": 0.98, "log_append_settle": 0.02}),
            chat_rate("baseline", "chat", "rate1000", 300, 900, 400),
            chat_rate("baseline", "chat[waits1]", "rate1000", 400, 1300, 450),
            row("gateway", "allow", rps=9000.0), row("baseline", "same-allow", rps=20000.0),
        ], cores=2)
        calls = targets["store calls before forwarding per chat completion at 1000 req/s"]
        self.assertEqual((calls["measured_count"], calls["met"]), (0.98, True), "the outcome's settle comes after the answer")
        over = targets["chat completion at 1000 req/s fixed: added p99"]
        self.assertEqual((over["measured_us"], over["met"]), (600, False), "+1.0 ms added against the floor's +0.4")
        cpu = targets["CPU per chat completion at 1000 req/s"]
        self.assertEqual((cpu["measured"], cpu["met"]), (1.75, True))
        allow = targets["allow"]
        self.assertEqual((allow["measured"], allow["met"]), (0.45, False))
        self.assertIsNone(targets["RSS after 10 minutes at 1000 req/s"]["met"], "no soak ran")

    def test_hotPathTargets_onTheEmbeddedStoreTheFloorIsOneJournalWrite(self):
        targets = hot_path([
            chat_rate("gateway", "chat", "rate1000", 800, 3700, 750, store="memory"),
            chat_rate("baseline", "chat", "rate1000", 300, 1400, 390, store="memory"),
            chat_rate("baseline", "chat[journal]", "rate1000", 500, 1800, 490, store="memory"),
            chat_rate("baseline", "chat[waits1]", "rate1000", 400, 3400, 480, store="memory"),
        ], cores=2, more={"peer_store": "memory"})
        over = targets["chat completion at 1000 req/s fixed: added p99"]
        self.assertEqual((over["measured_us"], over["met"]), (1900, False), "+2.3 ms added against the journal floor's +0.4")

    def test_hotPathTargets_sixteenCoresJudgesAddedLatencyAtThreeThousand(self):
        targets = hot_path([
            chat_rate("gateway", "chat", "rate3000", 500, 900, 700),
            chat_rate("baseline", "chat", "rate3000", 280, 640, 340),
        ], cores=16)
        p50 = targets["chat completion at 3000 req/s fixed: added p50"]
        p99 = targets["chat completion at 3000 req/s fixed: added p99"]
        self.assertEqual((p50["measured_us"], p50["met"]), (220, True))
        self.assertEqual((p99["measured_us"], p99["met"]), (260, True))
        cpu = targets["CPU per chat completion at 3000 req/s"]
        self.assertEqual((round(cpu["measured"], 2), cpu["met"]), (2.06, False), "700 against 340 µs")

    def test_hotPathTargets_soakAtOneThousandForTenMinutesReadsItsLastRss(self):
        soak = row("gateway", "allow", rate=1000, store="soak")
        more = {"soak_rss_kb_per_minute": [110000] + [150000] * 10, "soak_store": "memory",
                "rss": [{"store": "soak", "gateway": "gateway", "peak_kb": 160000, "final_kb": 157000, "samples": 11}]}
        rss = [t for name, t in hot_path([soak], cores=2, more=more).items() if name.startswith("RSS")][0]
        self.assertEqual((rss["measured_count"], rss["met"]), ("153 MiB", False))
        self.assertIn("the soak on the memory store", rss["target"])
        shorter = dict(more, soak_rss_kb_per_minute=[110000] * 5)
        rss = [t for name, t in hot_path([soak], cores=2, more=shorter).items() if name.startswith("RSS")][0]
        self.assertIsNone(rss["met"], "five minutes are not ten")


def jit_lines(rows, env=None):
    lines = []
    report.write_jit(lines, report.aggregate(rows), env)
    return lines


class JitTests(unittest.TestCase):
    def test_aggregate_jitShareIsTheBusiestRound(self):
        summary = report.aggregate([row("gateway", "allow", jit=0.004, round_=1), row("gateway", "allow", jit=0.031, round_=2)])
        self.assertEqual(summary[("redis", "full", "allow", "gateway")]["jit_share"], 0.031)

    def test_writeJit_namesRowsMeasuredWhileTheJitWasBusy(self):
        lines = jit_lines([row("gateway", "allow", jit=0.035), row("gateway", "block", jit=0.001), row("baseline", "same-allow")])
        self.assertIn("still busy", lines[0])
        self.assertIn("redis allow (full) 3.5 %", lines[0])
        self.assertNotIn("block", lines[0])

    def test_writeJit_quietRowsGiveTheLargestShare(self):
        lines = jit_lines([row("gateway", "allow", jit=0.004), row("gateway", "stream", jit=0.012)])
        self.assertIn("JIT quiet", lines[0])
        self.assertIn("at most 1.20 %", lines[0])
        self.assertIn("redis stream, full", lines[0])

    def test_writeJit_theSoaksFirstMinuteIsNamedApart(self):
        lines = jit_lines([row("gateway", "allow", jit=0.001), row("gateway", "allow", jit=0.099, store="soak")])
        self.assertIn("JIT quiet", lines[0])
        self.assertIn("at most 0.10 %", lines[0])
        self.assertIn("The soak's gateway starts with no warm-up: the JIT took up to 9.9 %", lines[1])

    def test_writeJit_readsTheThresholdTheRunsWarmUpUsed(self):
        rows = [row("gateway", "allow", jit=0.035)]
        lines = jit_lines(rows, {"jit_quiet_percent": 5})
        self.assertIn("JIT quiet", lines[0], "3.5 % is under a run's own 5 % threshold")
        lines = jit_lines(rows, {"jit_quiet_percent": 0.5})
        self.assertIn("compiled for 0.5 % of the row's time or more", lines[0])
        self.assertIn("redis allow (full) 3.5 %", lines[0])

    def test_writeJit_aReportThatDoesNotRecordTheThresholdReadsTheDefault(self):
        lines = jit_lines([row("gateway", "allow", jit=0.035)], {"jit_quiet_percent": None})
        self.assertIn("compiled for 2 % of the row's time or more", lines[0])

    def test_writeJit_rowsWithoutTheCounterSayNothing(self):
        self.assertEqual(jit_lines([row("gateway", "allow")]), [])


class CommittedReportTests(unittest.TestCase):
    def test_newestReports_regenerateByteForByte(self):
        reports = sorted(d for d in glob.glob(os.path.join(ROOT, "loadtests", "reports", "*"))
                         if os.path.exists(os.path.join(d, "results.jsonl")) and os.path.exists(os.path.join(d, "report.md")))
        self.assertGreaterEqual(len(reports), 2)
        for committed in reports[-2:]:
            with self.subTest(os.path.basename(committed)):
                copy = os.path.join(tempfile.mkdtemp(prefix="report-test-"), os.path.basename(committed))
                shutil.copytree(committed, copy, ignore=shutil.ignore_patterns("*.nettrace", "*.speedscope.json"))
                result = subprocess.run([sys.executable, REPORT_PY, copy], capture_output=True, text=True, check=False)
                self.assertEqual(result.returncode, 0, result.stderr)
                with open(os.path.join(committed, "report.md"), encoding="utf-8") as before, \
                        open(os.path.join(copy, "report.md"), encoding="utf-8") as after:
                    self.assertEqual(after.read(), before.read())


if __name__ == "__main__":
    unittest.main()
