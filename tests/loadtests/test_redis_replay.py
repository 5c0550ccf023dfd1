"""loadtests/redis-replay.py: a run's MONITOR capture replayed in order on a real redis-server, the audit group's calls
appending as they did in the run, Redis' own time per call read back."""
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from parts import ROOT, Processes, redis_cli, start_redis

REPLAY_PY = os.path.join(ROOT, "loadtests", "redis-replay.py")
_spec = importlib.util.spec_from_file_location("loadtest_redis_replay", REPLAY_PY)
replay = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(replay)

# The shape of the gateway's Append script (RedisScripts.Append): appends only when the stream holds ARGV[1] entries.
APPEND = b"""local function append(a, last)
  local length = redis.call('XLEN', KEYS[1])
  if length ~= tonumber(ARGV[a]) then
    return false
  end
  for i = a + 1, last do
    redis.call('XADD', KEYS[1], string.format('%d-0', length + i - a), 'e', ARGV[i])
  end
  return true
end
return append(1, #ARGV) and 1 or 0"""


def monitor_escape(data):
    """Bytes as MONITOR writes an argument (C escapes)."""
    out = []
    for c in data:
        ch = chr(c)
        out.append({'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or (ch if 32 <= c < 127 else "\\x%02x" % c))
    return "".join(out)


def line(*args, client="127.0.0.1:50644"):
    return f'1796000586.945444 [0 {client}] ' + " ".join(f'"{monitor_escape(a)}"' for a in args) + "\n"


class RedisReplayTests(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="replay-test-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.processes = Processes()
        self.addCleanup(self.processes.close)
        self.redis = start_redis(self.processes, self.work)
        self.sha = hashlib.sha1(APPEND).hexdigest().encode()

    def capture(self, lines):
        path = os.path.join(self.work, "monitor.txt")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("OK\n" + "".join(lines))
        return path

    def calls(self, count):
        # Expected lengths as a capture begun after the run's first appends has them: none is this server's.
        out = []
        for i in range(count):
            out.append(line(b"EVALSHA", self.sha, b"1", b"gw:{demo}:audit:vm", str(100 + i).encode(), b'{"seq":%d,"q":"a\\"b"}' % i))
            out.append(line(b"XADD", b"gw:{demo}:audit:vm", b"%d-0" % (i + 1), b"e", b"x", client="lua"))
        return out

    def test_replay_auditCallsAppendWithTheirLengthsFixedUp(self):
        path = self.capture([line(b"SCRIPT", b"LOAD", APPEND)] + self.calls(3))

        out = replay.replay(path, self.redis)

        self.assertEqual((out["calls"], out["appended"], out["noscript"]), (3, 3, 0))
        self.assertEqual(redis_cli(self.redis, "XLEN", "gw:{demo}:audit:vm").strip(), "3", "the lines the script ran are not sent again")
        entry = redis_cli(self.redis, "XRANGE", "gw:{demo}:audit:vm", "2-0", "2-0")
        self.assertIn('{"seq":1,"q":"a\\"b"}', entry, "an argument reads back as the client sent it")
        self.assertGreater(out["usec_per_call"], 0)

    def test_replay_callThatDidNotAppendInTheRunDoesNotAppend(self):
        # The run's second call lost the race for the chain's next index: its script ran no XADD.
        lost = line(b"EVALSHA", self.sha, b"1", b"gw:{demo}:audit:vm", b"7", b'{"seq":"lost"}')
        calls = self.calls(2)
        path = self.capture([line(b"SCRIPT", b"LOAD", APPEND), calls[0], calls[1], lost, line(b"XLEN", b"gw:{demo}:audit:vm", client="lua"), calls[2], calls[3]])

        out = replay.replay(path, self.redis)

        self.assertEqual((out["calls"], out["appended"]), (3, 2))
        self.assertEqual(redis_cli(self.redis, "XLEN", "gw:{demo}:audit:vm").strip(), "2")
        self.assertNotIn("lost", redis_cli(self.redis, "XRANGE", "gw:{demo}:audit:vm", "-", "+"))

    def test_replay_fromAndToCountTheirWindowOnly(self):
        path = self.capture([line(b"SCRIPT", b"LOAD", APPEND)] + self.calls(5))

        out = replay.replay(path, self.redis, first=2, last=3)

        self.assertEqual((out["calls"], out["appended"]), (2, 2))
        self.assertEqual(redis_cli(self.redis, "XLEN", "gw:{demo}:audit:vm").strip(), "3", "nothing after the window is sent")

    def test_replay_scriptNeverLoadedIsNamedNoscript(self):
        out = replay.replay(self.capture(self.calls(2)), self.redis)

        self.assertEqual((out["calls"], out["appended"], out["noscript"]), (2, 0, 2))

    def test_replay_appendScriptRunsInPlaceOfEveryAppendTheEvalToo(self):
        variant = os.path.join(self.work, "variant.lua")
        with open(variant, "wb") as handle:
            handle.write(APPEND.replace(b"return append(", b"redis.call('INCR', 'variant-runs')\nreturn append("))
        # The run's first call sent the script itself (EVAL, after a NOSCRIPT), the next two its SHA.
        first = line(b"EVAL", APPEND, b"1", b"gw:{demo}:audit:vm", b"100", b'{"seq":0}')
        ran = line(b"XADD", b"gw:{demo}:audit:vm", b"1-0", b"e", b"x", client="lua")

        out = replay.replay(self.capture([first, ran] + self.calls(3)[2:]), self.redis, append_script=variant)

        self.assertEqual((out["calls"], out["appended"]), (2, 2))
        self.assertEqual(redis_cli(self.redis, "GET", "variant-runs").strip(), "3", "the variant ran for the EVAL too")
        self.assertEqual(redis_cli(self.redis, "XLEN", "gw:{demo}:audit:vm").strip(), "3")

    def test_main_startsItsOwnRedisAndPrintsOneJsonObject(self):
        path = self.capture([line(b"SCRIPT", b"LOAD", APPEND)] + self.calls(2))

        result = subprocess.run([sys.executable, REPLAY_PY, path], capture_output=True, text=True, timeout=120, check=False)

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual({k: v for k, v in json.loads(result.stdout).items() if k in ("calls", "appended")}, {"calls": 2, "appended": 2})


if __name__ == "__main__":
    unittest.main()
