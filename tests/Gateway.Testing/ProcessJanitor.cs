using System.Diagnostics;

namespace Gateway.Testing;

/// <summary>
/// Stops what a test process started once that test process is gone, however it ended (passed, failed,
/// crashed or killed with its process tree): a detached shell polls this process and then runs a stop
/// command, so no test run leaves a server behind.
/// </summary>
public static class ProcessJanitor
{
    /// <summary>Runs <paramref name="stopCommand"/> (a shell command; <c>$0</c> is <paramref name="argument"/>) once this process has exited.</summary>
    public static void AfterThisProcess(string stopCommand, string argument = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(stopCommand);
        var script = $"( while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stopCommand} ) >/dev/null 2>&1 </dev/null &";
        using var janitor = Process.Start(new ProcessStartInfo("sh", ["-c", script, argument]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("sh did not start");
        janitor.WaitForExit();
    }

    /// <summary>Kills process <paramref name="processId"/> once this process has exited, if it is still the <paramref name="executable"/> it was.</summary>
    public static void KillAfterThisProcess(int processId, string executable) =>
        AfterThisProcess($"grep -q \"$0\" /proc/{processId}/cmdline && kill -9 {processId}", executable);
}
