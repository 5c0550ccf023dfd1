"""Real parts for the load test's tests: free loopback ports, redis-server, the load test's upstream and bare proxy
(the Release binaries `make build` leaves under artifacts/bin), each stopped when the test ends."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def binary(project, name):
    path = os.path.join(ROOT, "artifacts", "bin", project, "release", name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `make build` first")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return True
        except Exception:  # not up yet
            time.sleep(0.2)
    return False


class Processes:
    """Starts processes and stops every one of them, in reverse order, on close."""

    def __init__(self):
        self._started = []

    def start(self, args, log_path):
        log = open(log_path, "wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._started.append((process, log))
        return process

    def close(self):
        for process, log in reversed(self._started):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
        self._started.clear()


def start_redis(processes, work):
    port = free_port()
    processes.start(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                     "--dir", work], os.path.join(work, "redis.log"))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if redis_cli(port, "PING").strip() == "PONG":
            return port
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def redis_cli(port, *command):
    result = subprocess.run(["redis-cli", "-p", str(port), *command], capture_output=True, text=True, check=False)
    return result.stdout


def start_upstream(processes, work):
    port = free_port()
    processes.start([binary("Gateway.LoadTests.Upstream", "Gateway.LoadTests.Upstream"), "--urls", f"http://127.0.0.1:{port}"],
                    os.path.join(work, "upstream.log"))
    if not wait_http(f"http://127.0.0.1:{port}/healthz"):
        raise RuntimeError("the load test's upstream did not start")
    return port


def process_stat(pid):
    """The fields of /proc/<pid>/stat after the command's name (state first, session fourth), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def running(pid):
    """Whether the process still runs: neither gone nor ended and waiting to be reaped."""
    fields = process_stat(pid)
    return fields is not None and fields[0] != "Z"


def session_members(sid):
    """Every running process whose session is sid: what a script started, whichever group it moved to."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = process_stat(entry)
            if fields is not None and fields[0] != "Z" and int(fields[3]) == sid:
                members.append(int(entry))
    return members


def run_script(args, env, timeout, cwd=ROOT):
    """Runs a script in a session of its own, its output to a file rather than a pipe, so that nothing it leaves
    running can keep the caller waiting for an end of output. Past the timeout, every process of the session is
    stopped (TERM, then KILL) and the run counts as failed; so is whatever the script left running when it ended.
    Returns (return code or None when timed out, output, the names of the processes it left running)."""
    with open(os.devnull, "rb") as stdin, tempfile.TemporaryFile() as output:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdin=stdin, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        left = [process_name(pid, forked_from=args) for pid in session_members(process.pid) if pid != process.pid]
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            members = session_members(process.pid)
            if not members:
                break
            for pid in members:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + grace
            while session_members(process.pid) and time.monotonic() < deadline:
                time.sleep(0.2)
        process.wait()
        output.seek(0)
        text = output.read().decode("utf-8", errors="replace")
    if code is None:
        text += f"\n(run_script: stopped after {timeout} s)"
    return code, text, left


def process_name(pid, seconds=5, forked_from=None):
    """The process's command line. A script's background child found right after the script ended may not have run its
    program yet: forked and not yet exec'd, it still reads as the script's own command line (forked_from, the script's
    arguments); in the middle of exec, as an empty one. Read again until it has one of its own, it is gone, or seconds
    have passed (then what it reads as, a subshell the script left running)."""
    own = " ".join(forked_from)[:200] if forked_from else None
    deadline = time.monotonic() + seconds
    while True:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                name = handle.read().replace(b"\0", b" ").decode("utf-8", errors="replace").strip()[:200]
        except OSError:
            return f"({pid}, gone)"
        if name and name != own:
            return name
        if not running(pid):
            return f"({pid}, gone)"
        if time.monotonic() >= deadline:
            return name or f"({pid}, no command line)"
        time.sleep(0.01)
