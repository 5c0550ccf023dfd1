"""parts.run_script, which runs loadtests/run.sh for test_run: a script that overruns, or ends leaving processes
behind, is stopped whole and reported, and never keeps the suite waiting for the end of its output."""
import os
import tempfile
import time
import unittest

from parts import run_script, running

# A background child that inherits the output: with a pipe, it would hold the caller until it ended.
OVERRUNS = "sleep 300 & echo $!; sleep 299; true"
LEAVES_A_PROCESS = "sleep 300 & echo $!"
# A subshell that stays a shell (two commands): it reads as the script's own command line for as long as it runs. The
# script ends once the subshell has started its sleep (its children, in /proc), so that the check finds both.
LEAVES_A_SUBSHELL = ("(sleep 300; true) & pid=$!; children=/proc/$pid/task/$pid/children; "
                     'until [[ ! -e $children ]] || [[ -n "$(< $children)" ]]; do :; done; echo $pid')


def gone(pid, seconds=10):
    deadline = time.monotonic() + seconds
    while running(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


class RunScriptTests(unittest.TestCase):
    def test_runScript_overrunningScript_isStoppedWithEverythingItStarted(self):
        began = time.monotonic()
        code, output, left = run_script(["bash", "-c", OVERRUNS], dict(os.environ), timeout=2)
        self.assertIsNone(code)
        self.assertIn("stopped after 2 s", output)
        self.assertLess(time.monotonic() - began, 10, "TERM was enough: no grace period spent")
        self.assertEqual(sorted(left), ["sleep 299", "sleep 300"])
        self.assertTrue(gone(int(output.split()[0])), "the background child is stopped too")

    def test_runScript_scriptLeavingAProcess_namesItAndStopsIt(self):
        code, output, left = run_script(["bash", "-c", LEAVES_A_PROCESS], dict(os.environ), timeout=30)
        self.assertEqual(code, 0)
        self.assertEqual(left, ["sleep 300"])
        self.assertTrue(gone(int(output.split()[0])))

    def test_runScript_scriptLeavingASubshell_namesItAsTheScriptAndStopsIt(self):
        args = ["bash", "-c", LEAVES_A_SUBSHELL]
        code, output, left = run_script(args, dict(os.environ), timeout=30)
        self.assertEqual(code, 0)
        self.assertEqual(sorted(left), sorted([" ".join(args), "sleep 300"]))
        self.assertTrue(gone(int(output.split()[0])))

    def test_runScript_childNotYetRunItsProgram_namesTheProgramItRuns(self):
        # The child waits a second (a shell's own read on a FIFO: no process of its own) before it runs sleep, so it is
        # found still reading as the script; the name the check gives is that of the program it goes on to run.
        with tempfile.TemporaryDirectory() as directory:
            fifo = os.path.join(directory, "never-written")
            os.mkfifo(fifo)
            script = f'(read -t 1 line <> "{fifo}"; exec sleep 300) & echo $!'
            code, output, left = run_script(["bash", "-c", script], dict(os.environ), timeout=30)
        self.assertEqual(code, 0)
        self.assertEqual(left, ["sleep 300"])
        self.assertTrue(gone(int(output.split()[0])))

    def test_runScript_cleanScript_returnsItsCodeAndOutput(self):
        code, output, left = run_script(["bash", "-c", "echo hello; exit 3"], dict(os.environ), timeout=30)
        self.assertEqual((code, output.strip(), left), (3, "hello", []))


if __name__ == "__main__":
    unittest.main()
