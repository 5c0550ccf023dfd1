"""Where the load test's tools write: a new run goes under artifacts/ (git-ignored), so that loadtests/reports/ holds only
the reports a document cites; LOADTEST_REPORTS=loadtests/reports (or redis-append-cost.py's argument) keeps one there,
where git sees it."""
import importlib.util
import os
import re
import subprocess
import unittest

from parts import ROOT

ARTIFACTS = os.path.join(ROOT, "artifacts", "loadtests", "reports")


def shell_default(script, variable):
    """The folder a shell script's `variable="${LOADTEST_REPORTS:-…}/…"` names with LOADTEST_REPORTS unset."""
    with open(os.path.join(ROOT, "loadtests", script), encoding="utf-8") as handle:
        match = re.search(r'^' + variable + r'="(\$\{LOADTEST_REPORTS:-[^}]*\})', handle.read(), re.MULTILINE)
    assert match, f"{script}: no {variable}=\"${{LOADTEST_REPORTS:-…}}…\""
    env = {k: v for k, v in os.environ.items() if k != "LOADTEST_REPORTS"}
    return subprocess.run(["bash", "-c", f'root="$1"; echo "{match.group(1)}"', "bash", ROOT], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def ignored(path):
    return subprocess.run(["git", "-C", ROOT, "check-ignore", "-q", "--no-index", path], check=False).returncode == 0


class ReportDirTests(unittest.TestCase):
    def test_runSh_byDefault_writesUnderArtifacts(self):
        self.assertEqual(shell_default("run.sh", "report_dir"), ARTIFACTS)

    def test_abSh_byDefault_writesUnderArtifacts(self):
        self.assertEqual(shell_default("ab.sh", "out"), ARTIFACTS)

    def test_redisAppendCost_byDefault_writesUnderArtifacts(self):
        spec = importlib.util.spec_from_file_location("redis_append_cost", os.path.join(ROOT, "loadtests", "redis-append-cost.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.assertEqual(module.default_report_dir("20260101T000000Z"), os.path.join(ARTIFACTS, "redis-append-20260101T000000Z"))

    @unittest.skipUnless(os.path.isdir(os.path.join(ROOT, ".git")) or os.path.isfile(os.path.join(ROOT, ".git")),
                         "not a git checkout")
    def test_gitignore_ignoresNewRunsAndSeesKeptOnes(self):
        self.assertTrue(ignored("artifacts/loadtests/reports/20260101T000000Z/report.md"))
        self.assertFalse(ignored("loadtests/reports/20260101T000000Z/report.md"))


if __name__ == "__main__":
    unittest.main()
