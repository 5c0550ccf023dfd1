using Microsoft.Diagnostics.NETCore.Client;

namespace Gateway.LoadTests;

/// <summary>An EventPipe trace of a running process in a file of its own: taken for a while, read, then deleted.</summary>
internal static class EventPipeTrace
{
    /// <summary>
    /// Traces process <paramref name="pid"/> with <paramref name="providers"/> for <paramref name="seconds"/> (the runtime's
    /// rundown asked for, so that stacks name their methods); the path of the <c>.nettrace</c> file written.
    /// </summary>
    public static async Task<string> TakeAsync(string name, int pid, IReadOnlyList<EventPipeProvider> providers, int seconds)
    {
        var trace = Path.Combine(Path.GetTempPath(), $"{name}-{pid}-{DateTime.UtcNow:yyyyMMddTHHmmss}.nettrace");
        using var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: true);
        await using var file = File.Create(trace);
        var copy = session.EventStream.CopyToAsync(file);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        await session.StopAsync(CancellationToken.None);
        await copy;
        return trace;
    }

    /// <summary>Deletes the trace and the TraceLog file made beside it when it was read (<c>trace.nettrace.etlx</c>).</summary>
    public static void Delete(string trace)
    {
        File.Delete(trace);
        File.Delete(trace + ".etlx");
    }

    /// <summary>A stack frame's method without its parameter list.</summary>
    public static string MethodName(string fullMethodName)
    {
        var paren = fullMethodName.IndexOf('(', StringComparison.Ordinal);
        return paren < 0 ? fullMethodName : fullMethodName[..paren];
    }
}
