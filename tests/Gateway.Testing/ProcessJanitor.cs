using System.Diagnostics;

namespace Gateway.Testing;

/// <summary>
/// Stops what a test process started once that test process is gone, however it ended (passed, failed,
/// crashed or killed with its process tree): one detached shell per test process polls it and then runs the
/// stop commands written to its list, so no test run leaves a server behind (one poll however many servers a
/// run starts: a poll per server cost the suite a process start per server every second).
/// </summary>
public static class ProcessJanitor
{
    private static readonly Lock Gate = new();
    private static string? _list;

    /// <summary>Runs <paramref name="stopCommand"/> (a shell command; <c>$0</c> is <paramref name="argument"/>) once this process has exited.</summary>
    public static void AfterThisProcess(string stopCommand, string argument = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(stopCommand);
        var line = $"sh -c {Quote(stopCommand)} {Quote(argument)}\n";
        lock (Gate)
        {
            File.AppendAllText(_list ??= StartJanitor(), line);
        }
    }

    /// <summary>Kills process <paramref name="processId"/> once this process has exited, if it is still the <paramref name="executable"/> it was.</summary>
    public static void KillAfterThisProcess(int processId, string executable) =>
        AfterThisProcess($"grep -q \"$0\" /proc/{processId}/cmdline && kill -9 {processId}", executable);

    /// <summary>Starts the one shell that waits for this process, then runs the list's commands and removes it; returns the list's path.</summary>
    private static string StartJanitor()
    {
        var list = Path.Combine(Path.GetTempPath(), $"gw-janitor-{Environment.ProcessId}-{Guid.NewGuid():N}.sh");
        File.WriteAllText(list, string.Empty);
        var script = $"( while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; sh \"$0\"; rm -f \"$0\" ) >/dev/null 2>&1 </dev/null &";
        using var janitor = Process.Start(new ProcessStartInfo("sh", ["-c", script, list]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("sh did not start");
        janitor.WaitForExit();
        return list;
    }

    /// <summary><paramref name="text"/> as one single-quoted shell word.</summary>
    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
