"""loadtests/perf_owners.py, which sums perf's self time by owner for a profiled run's perf.txt: a native frame counts
for its library, a JIT-compiled .NET frame for the assembly its perf-map name carries."""
import os
import subprocess
import sys
import unittest

from parts import ROOT

SCRIPT = os.path.join(ROOT, "loadtests", "perf_owners.py")

# Lines as `perf report --no-children --sort dso,sym --stdio -g none` prints them (headers and blank lines included).
REPORT = """# Samples: 7K of event 'cpu-clock'
#
    14.09%  [kernel.kallsyms]   [k] finish_task_switch.isra.0
     4.15%  [kernel.kallsyms]   [k] _raw_spin_unlock_irqrestore
     1.87%  libc.so.6           [.] __sched_yield
     1.24%  [JIT] tid 9078      [.] instance void [OpenTelemetry] OpenTelemetry.Metrics.AggregatorStore::Update(int64)[OptimizedTier1]
     0.84%  [JIT] tid 9078      [.] instance void [OpenTelemetry] OpenTelemetry.Metrics.MetricPoint::Update(float64)[OptimizedTier1]
     0.60%  [JIT] tid 9078      [.] void [System.Private.CoreLib] System.Threading.ExecutionContext::RunInternal(class System.Threading.ExecutionContext)[OptimizedTier1]
     0.34%  [JIT] tid 9078      [.] instance void [gateway] Gateway.Proxy.Enforce.EnforceStage+<EnforceAsync>d__14::MoveNext()[OptimizedTier1]
     0.20%  [JIT] tid 9078      [.] 0x00007f2f624b6460

"""


def owners(text):
    output = subprocess.run([sys.executable, SCRIPT], input=text, capture_output=True, text=True, check=True).stdout
    return [(float(line.split("%")[0]), line.split("%", 1)[1].strip()) for line in output.splitlines()]


class PerfOwnersTests(unittest.TestCase):
    def test_perfOwners_nativeAndJitFrames_summedByLibraryAndAssembly(self):
        result = owners(REPORT)
        self.assertEqual(result[0], (18.24, "[kernel.kallsyms]"))
        self.assertIn((2.08, ".NET OpenTelemetry"), result)
        self.assertIn((1.87, "libc.so.6"), result)
        self.assertIn((0.60, ".NET System.Private.CoreLib"), result)
        self.assertIn((0.34, ".NET gateway"), result)

    def test_perfOwners_jitFrameWithoutName_countedAsUnnamed(self):
        self.assertIn((0.20, ".NET (unnamed)"), owners(REPORT))

    def test_perfOwners_largestFirst(self):
        shares = [share for share, _ in owners(REPORT)]
        self.assertEqual(shares, sorted(shares, reverse=True))

    def test_perfOwners_noSamples_printsNothing(self):
        self.assertEqual(owners("# nothing recorded\n\n"), [])


if __name__ == "__main__":
    unittest.main()
