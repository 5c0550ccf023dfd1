"""loadtests/perf_owners.py, which sums perf's self time by owner for a profiled run's perf.txt: a native frame counts
for its library, a JIT-compiled .NET frame for the assembly its perf-map name carries."""
import os
import subprocess
import sys
import unittest

from parts import ROOT

SCRIPT = os.path.join(ROOT, "loadtests", "perf_owners.py")

# Lines as `perf report -n --no-children --sort dso,sym --stdio -g none` prints them (headers and blank lines included):
# 1,000 samples in all.
REPORT = """# Samples: 1K of event 'cpu-clock'
#
    40.00%           400  [kernel.kallsyms]   [k] finish_task_switch.isra.0
    20.00%           200  [kernel.kallsyms]   [k] _raw_spin_unlock_irqrestore
    15.00%           150  libc.so.6           [.] __sched_yield
    10.00%           100  [JIT] tid 9078      [.] instance void [OpenTelemetry] OpenTelemetry.Metrics.AggregatorStore::Update(int64)[OptimizedTier1]
     5.00%            50  [JIT] tid 9078      [.] instance void [OpenTelemetry] OpenTelemetry.Metrics.MetricPoint::Update(float64)[OptimizedTier1]
     5.00%            50  [JIT] tid 9078      [.] void [System.Private.CoreLib] System.Threading.ExecutionContext::RunInternal(class System.Threading.ExecutionContext)[OptimizedTier1]
     3.00%            30  [JIT] tid 9078      [.] instance void [gateway] Gateway.Proxy.Enforce.EnforceStage+<EnforceAsync>d__14::MoveNext()[OptimizedTier1]
     2.00%            20  [JIT] tid 9078      [.] 0x00007f2f624b6460

"""

# Three frames of one sample in 3,000 each, printed as perf rounds them (0.03 %): their library has 0.10 % of the samples,
# where their printed percentages would sum to 0.09.
ROUNDED = """    99.90%          2997  [kernel.kallsyms]   [k] pvm_irq_enable
     0.03%             1  libcrypto.so.3      [.] 0x000000000022f925
     0.03%             1  libcrypto.so.3      [.] 0x00000000001d0f96
     0.03%             1  libcrypto.so.3      [.] ERR_clear_error
"""


def owners(text):
    output = subprocess.run([sys.executable, SCRIPT], input=text, capture_output=True, text=True, check=True).stdout
    return [(float(line.split("%")[0]), line.split("%", 1)[1].strip()) for line in output.splitlines()]


class PerfOwnersTests(unittest.TestCase):
    def test_perfOwners_nativeAndJitFrames_summedByLibraryAndAssembly(self):
        result = owners(REPORT)
        self.assertEqual(result[0], (60.0, "[kernel.kallsyms]"))
        self.assertIn((15.0, ".NET OpenTelemetry"), result)
        self.assertIn((15.0, "libc.so.6"), result)
        self.assertIn((5.0, ".NET System.Private.CoreLib"), result)
        self.assertIn((3.0, ".NET gateway"), result)

    def test_perfOwners_jitFrameWithoutName_countedAsUnnamed(self):
        self.assertIn((2.0, ".NET (unnamed)"), owners(REPORT))

    def test_perfOwners_largestFirst(self):
        shares = [share for share, _ in owners(REPORT)]
        self.assertEqual(shares, sorted(shares, reverse=True))

    def test_perfOwners_sharesFromSamples_notFromRoundedPercentages(self):
        self.assertEqual(owners(ROUNDED), [(99.9, "[kernel.kallsyms]"), (0.1, "libcrypto.so.3")])

    def test_perfOwners_noSamples_printsNothing(self):
        self.assertEqual(owners("# nothing recorded\n\n"), [])


if __name__ == "__main__":
    unittest.main()
