"""loadtests/redis_stats.py: what one run cost Redis, read from `INFO commandstats` and `INFO latencystats` texts."""
import importlib.util
import os
import tempfile
import unittest

from parts import ROOT

_spec = importlib.util.spec_from_file_location("loadtest_redis_stats", os.path.join(ROOT, "loadtests", "redis_stats.py"))
redis_stats = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(redis_stats)

# What run.sh writes after a run: commandstats, then latencystats (Redis 7.0.15's wording).
STATS = """# Commandstats
cmdstat_evalsha:calls=200,usec=21000,usec_per_call=105.00,rejected_calls=0,failed_calls=0
cmdstat_config|resetstat:calls=1,usec=89,usec_per_call=89.00,rejected_calls=0,failed_calls=0
cmdstat_set:calls=400,usec=1200,usec_per_call=3.00,rejected_calls=0,failed_calls=0
# Latencystats
latency_percentiles_usec_evalsha:p50=108.031,p99=296.959,p99.9=659.455
latency_percentiles_usec_config|resetstat:p50=89.087,p99=89.087,p99.9=89.087
latency_percentiles_usec_set:p50=3.007,p99=10.047,p99.9=64.255
"""


def figures_of(text, requests=200):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(text)
    try:
        counted, usec, percentiles = redis_stats.read(handle.name)
    finally:
        os.unlink(handle.name)
    return redis_stats.figures(counted, requests, usec=usec, percentiles=percentiles)


class RedisStatsTests(unittest.TestCase):
    def test_figures_scriptTimeIsUsecOverRunsWithTheScriptsPercentiles(self):
        out = figures_of(STATS)
        self.assertEqual(out["script_us_per_run"], 105.0)
        self.assertEqual(out["script_latency_us"], {"p50": 108.031, "p99": 296.959, "p99.9": 659.455})
        self.assertNotIn("config|resetstat", out["calls"], "the loadtest's own reset is left out")

    def test_figures_redisWithoutLatencystatsGivesTheMeanAlone(self):
        out = figures_of(STATS.split("# Latencystats")[0])
        self.assertEqual(out["script_us_per_run"], 105.0)
        self.assertNotIn("script_latency_us", out)

    def test_figures_noScriptRunNoScriptTime(self):
        out = figures_of("cmdstat_set:calls=400,usec=1200,usec_per_call=3.00,rejected_calls=0,failed_calls=0\n")
        self.assertEqual(out["calls"], {"set": 400})
        self.assertNotIn("script_us_per_run", out)


if __name__ == "__main__":
    unittest.main()
