"""The floor under the peers' benchmark (loadtests/Gateway.LoadTests.BareProxy, --StoreWaits): bare YARP that makes N
nonce writes to Redis, one after another, or one durable journal write, before it forwards each request. Against a real
redis-server, a real file and the load test's upstream."""
import json
import os
import re
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

from parts import Processes, binary, free_port, redis_cli, start_redis, start_upstream, wait_http

CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}).encode()


def post(url, body):
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def set_calls(redis_port):
    stats = redis_cli(redis_port, "INFO", "commandstats")
    match = re.search(r"^cmdstat_set:calls=(\d+)", stats, re.MULTILINE)
    return int(match.group(1)) if match else 0


def journal_records(path, size):
    """How many records of that size the journal holds: the records written at its start (each non-zero data), then zeros."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    count = 0
    while head[count * size:(count + 1) * size].count(0) < size // 4:
        count += 1
    assert head[count * size:].count(0) == len(head) - count * size, "nothing but zeros after the records"
    return count


class FloorProxyTests(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="floor-test-")
        self.processes = Processes()
        self.addCleanup(self.processes.close)
        self.redis = start_redis(self.processes, self.work)
        self.upstream = start_upstream(self.processes, self.work)

    def start_floor(self, *store_waits):
        port = free_port()
        log = os.path.join(self.work, f"floor-{port}.log")
        process = self.processes.start(
            [binary("Gateway.LoadTests.BareProxy", "Gateway.LoadTests.BareProxy"), "--urls", f"http://127.0.0.1:{port}",
             f"--ReverseProxy:Clusters:upstream:Destinations:upstream:Address=http://127.0.0.1:{self.upstream}/", *store_waits],
            log)
        return port, process, log

    def test_count_makesThatManyNonceWritesPerRequest_thenForwards(self):
        port, _, log = self.start_floor(f"--StoreWaits:Redis=127.0.0.1:{self.redis}", "--StoreWaits:Count=3")
        self.assertTrue(wait_http(f"http://127.0.0.1:{port}/healthz"), open(log).read())
        redis_cli(self.redis, "CONFIG", "RESETSTAT")
        keys_before = int(redis_cli(self.redis, "DBSIZE"))

        direct = post(f"http://127.0.0.1:{self.upstream}/v1/chat/completions", CHAT)
        answers = [post(f"http://127.0.0.1:{port}/v1/chat/completions", CHAT) for _ in range(10)]

        self.assertEqual([status for status, _ in answers], [200] * 10)
        self.assertEqual(answers[0][1], direct[1], "the floor forwards the upstream's answer unchanged")
        self.assertEqual(set_calls(self.redis), 30)
        self.assertEqual(int(redis_cli(self.redis, "DBSIZE")) - keys_before, 30, "each write is a new nonce key")
        key = redis_cli(self.redis, "RANDOMKEY").strip()
        self.assertTrue(key.startswith("floor:nonce:"), key)
        self.assertTrue(0 < int(redis_cli(self.redis, "PTTL", key)) <= 300000, "nonces expire as the gateway's do")

    def test_workAfterTheWaits_answerUnchanged(self):
        port, _, log = self.start_floor(f"--StoreWaits:Redis=127.0.0.1:{self.redis}", "--StoreWaits:Count=1",
                                        "--StoreWaits:WorkMicroseconds=200")
        self.assertTrue(wait_http(f"http://127.0.0.1:{port}/healthz"), open(log).read())
        redis_cli(self.redis, "CONFIG", "RESETSTAT")

        direct = post(f"http://127.0.0.1:{self.upstream}/v1/chat/completions", CHAT)
        answers = [post(f"http://127.0.0.1:{port}/v1/chat/completions", CHAT) for _ in range(5)]

        self.assertEqual([status for status, _ in answers], [200] * 5)
        self.assertEqual(answers[0][1], direct[1], "the floor with work forwards the upstream's answer unchanged")
        self.assertEqual(set_calls(self.redis), 5)

    def test_storeGone_requestIsNotForwarded(self):
        port, _, log = self.start_floor(f"--StoreWaits:Redis=127.0.0.1:{self.redis},connectTimeout=500,syncTimeout=500,asyncTimeout=500",
                                        "--StoreWaits:Count=2")
        self.assertTrue(wait_http(f"http://127.0.0.1:{port}/healthz"), open(log).read())
        redis_cli(self.redis, "SHUTDOWN", "NOSAVE")

        with self.assertRaises(urllib.error.HTTPError) as refused:
            post(f"http://127.0.0.1:{port}/v1/chat/completions", CHAT)
        self.assertEqual(refused.exception.code, 500)

    def test_journal_writesOneRecordIntoZerosPerRequest_thenForwards(self):
        journal = os.path.join(self.work, "floor-journal.bin")
        port, _, log = self.start_floor(f"--StoreWaits:Journal={journal}", "--StoreWaits:JournalRecordBytes=700")
        self.assertTrue(wait_http(f"http://127.0.0.1:{port}/healthz"), open(log).read())
        self.assertEqual(os.path.getsize(journal), 64 << 20, "the file is written with zeros at start, its size fixed")

        written_before = journal_records(journal, 700)
        direct = post(f"http://127.0.0.1:{self.upstream}/v1/chat/completions", CHAT)
        answers = [post(f"http://127.0.0.1:{port}/v1/chat/completions", CHAT) for _ in range(4)]

        self.assertEqual([status for status, _ in answers], [200] * 4)
        self.assertEqual(answers[0][1], direct[1], "the journal floor forwards the upstream's answer unchanged")
        self.assertEqual(journal_records(journal, 700) - written_before, 4, "one record per request, in the zeros")
        self.assertEqual(os.path.getsize(journal), 64 << 20, "records land in the zeros, not past them")

    def test_badSettings_refusedAtStart(self):
        cases = [
            ("a negative count", ["--StoreWaits:Count=-1"]),
            ("a negative amount of work", [f"--StoreWaits:Redis=127.0.0.1:{self.redis}", "--StoreWaits:Count=1",
                                           "--StoreWaits:WorkMicroseconds=-5"]),
            ("a count without Redis", ["--StoreWaits:Count=2"]),
        ]
        for name, store_waits in cases:
            with self.subTest(name):
                _, process, log = self.start_floor(*store_waits)
                try:
                    code = process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    self.fail(f"{name}: the floor proxy started")
                self.assertNotEqual(code, 0, name)
                self.assertIn("--StoreWaits:Count and --StoreWaits:WorkMicroseconds must be 0 or more", open(log).read(), name)

    def test_journalRecordOutOfRange_refusedAtStart(self):
        _, process, log = self.start_floor(f"--StoreWaits:Journal={os.path.join(self.work, 'j.bin')}",
                                           "--StoreWaits:JournalRecordBytes=0")
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.fail("the floor proxy started with a record of 0 bytes")
        self.assertNotEqual(code, 0)
        self.assertIn("--StoreWaits:JournalRecordBytes must be 1 to 1048576", open(log).read())


if __name__ == "__main__":
    unittest.main()
