#!/usr/bin/env python3
"""Names a suite's failed tests with why, and runs each once more on its own (when at most ten failed).

    build/rerun-failed.py SUITE RESULTS_DIR tap LOG [-- NODE_ARGS...]     node --test's TAP: each failed test's file again
    build/rerun-failed.py SUITE RESULTS_DIR trx TRX_DIR                   dotnet test's .trx files: each failed test again
    build/rerun-failed.py SUITE RESULTS_DIR unittest LOG                  python -m unittest -v: each failed test again

A test that fails and then passes on its own is listed as flaky (RESULTS_DIR/SUITE-flaky.txt and these lines: a flaky
test is a bug to fix, not a result to hide); one that fails again stays failed, named with why in
RESULTS_DIR/SUITE-failed.txt, which build/sum-results.sh prints above the run's last line.
Exit 0: some failed and every one passed on its own (the runner counts them as passed); 1: some failed for good, or
more than ten failed; 2: no failed test found in the output (the runner keeps its own count).
"""
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

RETRY_AT_MOST = 10
TRX = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def one_line(text, limit=400):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tap_failures(log):
    """(file, name, why) for each failed test; a describe block failed only by its tests is left out."""
    return tap_failures_in(open(log, encoding="utf-8", errors="replace").read())


def tap_failures_in(text):
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        head = re.match(r"^(\s*)not ok \d+ - (.*)$", line)
        if not head:
            continue
        indent, name = len(head.group(1)), head.group(2)
        block, j = [], i + 1
        while j < len(lines) and (lines[j].strip() == "" or len(lines[j]) - len(lines[j].lstrip()) > indent):
            if lines[j].strip() == "..." and len(lines[j]) - len(lines[j].lstrip()) == indent + 2:
                break
            block.append(lines[j].strip())
            j += 1
        fields = "\n".join(block)
        if "failureType: 'subtestsFailed'" in fields:
            continue
        where = re.search(r"^location: '(.*?):\d+:\d+'$", fields, re.M)
        found.append((where.group(1) if where else "", name, tap_error(block)))
    return found


def tap_error(block):
    """The YAML block's error: one line, or the first lines of a |- block up to the next key."""
    for k, line in enumerate(block):
        if line.startswith("error: "):
            value = line[len("error: "):]
            if value != "|-":
                return value.strip("'")
            rest = []
            for more in block[k + 1:]:
                if re.match(r"^[a-zA-Z]+: ", more) or len(rest) == 4:
                    break
                rest.append(more)
            return " ".join(rest)
    return "(no message)"


def why_again(kind, name, out):
    """Why the second run failed, from its own output."""
    if kind == "tap":
        again = [why for _, other, why in tap_failures_in(out) if other == name]
        return again[0] if again else "its file failed: " + "; ".join(f"{other}: {why}" for _, other, why in tap_failures_in(out)[:2])
    if kind == "trx":
        block = re.search(r"Error Message:\s*(.*?)(?:Stack Trace:|$)", out, re.S)
        return block.group(1) if block else "\n".join(out.splitlines()[-4:])
    failures = [line for line in out.splitlines() if re.match(r"^(FAIL|ERROR|[A-Za-z.]*Error): ", line)]
    return "; ".join(failures[:3]) or "\n".join(out.splitlines()[-4:])


def trx_failures(directory):
    found, seen = [], set()
    for path in glob.glob(f"{directory}/**/*.trx", recursive=True):
        root = ET.parse(path).getroot()
        tests = {}
        for test in root.iterfind(".//t:UnitTest", TRX):
            method = test.find("t:TestMethod", TRX)
            if method is not None:  # storage is lower-cased; the method's codeBase keeps the path's case
                tests[test.get("id")] = (method.get("codeBase") or test.get("storage"), method.get("className") + "." + method.get("name"))
        for result in root.iterfind(".//t:UnitTestResult", TRX):
            if result.get("outcome") == "Failed" and result.get("testId") in tests and tests[result.get("testId")] not in seen:
                seen.add(tests[result.get("testId")])
                message = result.find(".//t:ErrorInfo/t:Message", TRX)
                found.append((*tests[result.get("testId")], message.text if message is not None else "(no message)"))
    return found


def unittest_failures(log):
    """(id, id, why): a failed test, or a class whose setUpClass failed, by the name unittest loads it by."""
    text = open(log, encoding="utf-8", errors="replace").read()
    found = []
    for block in re.split(r"^={20,}$", text, flags=re.M)[1:]:
        head = re.match(r"\s*(?:FAIL|ERROR): (\S+) \((\S+?)\)", block)
        if not head:
            continue
        name = head.group(2)
        if head.group(1) in ("setUpClass", "tearDownClass", "setUpModule", "tearDownModule"):
            name = name.rsplit(".", 1)[0] if head.group(1).endswith("Module") else name
        parts = re.split(r"^-{20,}$", block, flags=re.M)
        trace = [line for line in (parts[1] if len(parts) > 1 else "").splitlines() if line.strip()]
        found.append((name, name, trace[-1] if trace else "(no message)"))
    return found


def rerun(kind, unit, name, node_args):
    if kind == "tap":
        command = ["node", "--test", "--test-reporter=tap", "--test-force-exit", *node_args, unit]
        passed = lambda out: re.search(r"^# fail 0$", out, re.M) and re.search(r"^# cancelled 0$", out, re.M) and re.search(r"^# pass [1-9]", out, re.M)
    elif kind == "trx":
        command = [os.environ.get("DOTNET", "dotnet"), "test", unit, "--filter", f"FullyQualifiedName={name}", "--logger", "console;verbosity=minimal"]
        passed = lambda out: re.search(r"Passed!.*Failed: *0,", out)
    else:
        command = [sys.executable, "-m", "unittest", "-v", unit]
        passed = lambda out: re.search(r"^Ran [1-9]", out, re.M) and re.search(r"^OK", out, re.M)
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", timeout=600)
    return run.returncode == 0 and bool(passed(run.stdout)), run.stdout


def main():
    suite, results, kind, source = sys.argv[1:5]
    node_args = sys.argv[6:] if len(sys.argv) > 5 and sys.argv[5] == "--" else []
    failures = {"tap": tap_failures, "trx": trx_failures, "unittest": unittest_failures}[kind](source)
    flaky_file, failed_file = (os.path.join(results, f"{suite}-{what}.txt") for what in ("flaky", "failed"))
    label = lambda unit, name: f"{os.path.basename(unit)}: {name}" if kind == "tap" else name
    open(flaky_file, "w").close()
    if not failures:
        open(failed_file, "w").close()
        return 2
    print(f"\n{suite}: {len(failures)} test(s) failed:")
    for unit, name, why in failures:
        print(f"  {label(unit, name)}: {one_line(why)}")
    still = {(unit, name): why for unit, name, why in failures}
    flaky = []
    if len(failures) <= RETRY_AT_MOST:
        print("each runs once more on its own" + (" (its whole file)" if kind == "tap" else "") + ":")
        again = {}
        for unit, name, _ in failures:
            key = unit if kind == "tap" else (unit, name)
            if key not in again:
                again[key] = rerun(kind, unit, name, node_args) if unit else (False, "no file named")
            ok, out = again[key]
            if ok:
                print(f"  flaky (failed, then passed): {label(unit, name)}")
                flaky.append(label(unit, name))
                del still[(unit, name)]
            else:
                print(f"  failed again: {label(unit, name)}: {one_line(why_again(kind, name, out))}")
    with open(flaky_file, "w", encoding="utf-8") as handle:
        handle.writelines(f"{name}\n" for name in flaky)
    with open(failed_file, "w", encoding="utf-8") as handle:
        handle.writelines(f"{label(unit, name)}: {one_line(why)}\n" for (unit, name), why in still.items())
    if flaky:
        print(f"{suite}: {len(flaky)} flaky test(s), listed in {flaky_file}")
    return 1 if still else 0


if __name__ == "__main__":
    sys.exit(main())
