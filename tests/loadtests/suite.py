"""The load test's own tools (loadtests/), tested as `make test` runs every suite: report.py on synthetic and committed
results, the floor proxy (BareProxy --StoreWaits) against a real redis-server and the load test's upstream, and
loadtests/run.sh end to end at a tiny scale. Writes "loadtests: N passed, N failed" to the count file given."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    count_file = sys.argv[1]
    sys.path.insert(0, HERE)
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    with open(count_file, "w", encoding="utf-8") as handle:
        handle.write(f"loadtests: {passed} passed, {failed} failed\n")
    print(f"loadtests: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
