"""One connection to a redis-server speaking RESP, one command at a time, and an idle redis-server of their own on a free
loopback port: what the load test's Redis tools (redis-append-cost.py, redis-replay.py) share. Standard library only."""
import contextlib
import socket
import subprocess
import tempfile
import time


class RedisError(Exception):
    """An error reply."""


class Redis:
    """One connection, one command at a time."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def close(self):
        self.file.close()
        self.sock.close()

    def send(self, *args):
        """The reply, an error reply as a RedisError (not raised)."""
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self.reply()

    def call(self, *args):
        """The reply; an error reply raises."""
        reply = self.send(*args)
        if isinstance(reply, RedisError):
            raise reply
        return reply

    def reply(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"-":
            return RedisError(rest.decode(errors="replace"))
        if kind in (b"+", b":"):
            return rest
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind in (b"*", b"%", b"~", b">"):
            n = int(rest) * (2 if kind == b"%" else 1)
            return [self.reply() for _ in range(max(n, 0))]
        raise RedisError("unexpected reply %r" % line)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def idle_server():
    """A fresh redis-server (no persistence) on a free loopback port, answering; yields (port, its process), stopped after."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="redis-tool-") as work:
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                   "--dir", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    redis = Redis(port)
                    redis.call("PING")
                    redis.close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
            yield port, server
        finally:
            server.terminate()
            server.wait()
