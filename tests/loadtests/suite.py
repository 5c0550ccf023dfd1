"""The load test's own tools (loadtests/), tested as `make test` runs every suite: report.py on synthetic and committed
results, the floor proxy (BareProxy --StoreWaits) against a real redis-server and the load test's upstream, and
loadtests/run.sh end to end at a tiny scale. Writes "loadtests: N passed, N failed" to the count file given (the tests of
another folder when one is given after it: test_suite.py's).

As build/test-dotnet.sh does for the .NET suites, a test that fails runs once more on its own (when at most ten failed):
one that passes then is counted as passed and listed as flaky (loadtests-flaky.txt beside the count file, and the log's
last lines); one that fails again is a failure. Either way the log's last lines name each failure and say why, since
they are often all a CI report keeps.

A skipped test is named with why in the log's last lines. Outside CI it stays a skip and the count line ends with
"(N skipped)"; under CI=true (or 1) it counts as failed, as build/skipped-tests.sh has the other suites do: in CI a test
that did not run (perf missing, say) is a failure, not a pass."""
import io
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RETRY_AT_MOST = 10


def why(traceback_text):
    """A failure's exception and message (a traceback's lines after its last frame) on one line: its first and last 300
    characters where longer than 600."""
    lines = traceback_text.strip().splitlines()
    frames = [i for i, line in enumerate(lines) if line.startswith("  File ")]
    start = next((i for i in range(frames[-1] + 1 if frames else 0, len(lines)) if not lines[i].startswith(" ")), 0)
    text = " ".join(" ".join(lines[start:]).split())
    return text if len(text) <= 600 else f"{text[:300]} … {text[-300:]}"


def rerun_name(test):
    """The name to load a failure's test by: a subtest's test, a class whose setUpClass failed, or the test itself."""
    if hasattr(test, "test_case"):
        return test.test_case.id()
    holder = re.fullmatch(r"\w+ \(([\w.]+)\)", test.id())
    return holder.group(1) if holder else test.id()


def in_ci():
    """True under CI=true (or 1), as CI runners set it and .ci/run exports it: there a skipped test counts as failed."""
    return os.environ.get("CI", "") in ("true", "1")


def skips(result):
    """Prints the skipped tests and why; returns how many to count as failed (all of them in CI, else none) and the count
    line's ending ("" when none was skipped)."""
    if not result.skipped:
        return 0, ""
    count = len(result.skipped)
    if in_ci():
        print(f"\nloadtests: {count} test(s) skipped, each counted as failed (CI={os.environ['CI']}: in CI a test that did "
              "not run is a failure):")
    else:
        print(f"\nloadtests: {count} test(s) skipped (not failures outside CI; with CI=true each counts as failed):")
    for test, reason in result.skipped:
        print(f"  skipped: {test.id()}: {reason or '(no reason given)'}")
    if in_ci():
        return count, f" ({count} skipped, counted as failed: CI={os.environ['CI']})"
    return 0, f" ({count} skipped)"


def failures_of(result):
    return [(test, text) for test, text in result.failures + result.errors] + [(test, "unexpected success") for test in result.unexpectedSuccesses]


def main():
    count_file = sys.argv[1]
    tests = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else HERE
    flaky_file = os.path.join(os.path.dirname(os.path.abspath(count_file)), "loadtests-flaky.txt")
    sys.path.insert(0, tests)
    suite = unittest.defaultTestLoader.discover(tests, pattern="test_*.py", top_level_dir=tests)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    # One failure per test (however many of its subtests failed), or per class whose setUpClass failed.
    failed = {}
    for test, text in failures_of(result):
        failed.setdefault(rerun_name(test), (test, text))
    ran_and_failed = sum(1 for test, _ in failed.values() if hasattr(test, "test_case") or hasattr(test, "_testMethodName"))
    passed = result.testsRun - ran_and_failed - len(result.skipped)
    flaky = []
    if failed:
        print(f"\nloadtests: {len(failed)} test(s) failed:")
        for name, (_, text) in failed.items():
            print(f"  {name}: {why(text)}")
    if 0 < len(failed) <= RETRY_AT_MOST:
        print("each runs once more on its own:")
        for name in list(failed):
            again = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(
                unittest.defaultTestLoader.loadTestsFromName(name))
            second = failures_of(again)
            if again.testsRun and not second:
                print(f"  flaky (failed, then passed): {name}")
                flaky.append(name)
                passed += again.testsRun - len(again.skipped)
                del failed[name]
            else:
                print(f"  failed again: {name}: {why(second[0][1]) if second else 'did not run'}")
    skipped_failed, note = skips(result)
    failed_count = len(failed) + skipped_failed
    with open(flaky_file, "w", encoding="utf-8") as handle:
        handle.writelines(f"{name}\n" for name in flaky)
    with open(flaky_file.replace("-flaky.txt", "-failed.txt"), "w", encoding="utf-8") as handle:
        handle.writelines(f"{name}: {why(text)}\n" for name, (_, text) in failed.items())
    with open(count_file, "w", encoding="utf-8") as handle:
        handle.write(f"loadtests: {passed} passed, {failed_count} failed{note}\n")
    if flaky:
        print(f"loadtests: {len(flaky)} flaky test(s), listed in {flaky_file}")
    print(f"loadtests: {passed} passed, {failed_count} failed{note}")
    return 0 if not failed_count else 1


if __name__ == "__main__":
    sys.exit(main())
