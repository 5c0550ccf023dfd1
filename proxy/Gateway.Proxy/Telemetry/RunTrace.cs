using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Gateway.Oversight.Runs;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// A run is one trace. When the agent sends a W3C <c>traceparent</c>, that is its trace (the gateway honours it, at the
/// run's start and on every action). Without one, the run's own trace is derived from the run id alone, so that every
/// replica puts every action of the run in it without reading the store: trace id = the run id's 32 hex characters, and
/// every action a child of one span (8 bytes of the SHA-256 of the run id) that stands for the run as a whole.
/// </summary>
public static class RunTrace
{
    /// <summary>The trace id of the run's own trace: its id's hex.</summary>
    public static ActivityTraceId TraceIdOf(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (!RunIds.IsValid(runId))
        {
            throw new ArgumentException("Not a run id.", nameof(runId));
        }

        return ActivityTraceId.CreateFromString(runId.AsSpan(RunIds.Prefix.Length));
    }

    /// <summary>The span of the run as a whole, every action's parent in the run's own trace.</summary>
    public static ActivitySpanId RunSpanIdOf(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes(runId), hash);
        return ActivitySpanId.CreateFromBytes(hash[..8]);
    }

    /// <summary>The run's span as a remote parent (<paramref name="sampled"/>: its trace flags).</summary>
    public static ActivityContext ContextOf(string runId, bool sampled) =>
        new(TraceIdOf(runId), RunSpanIdOf(runId), sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true);

    /// <summary>The <c>traceparent</c> of <see cref="ContextOf"/>: <c>00-&lt;trace id&gt;-&lt;span id&gt;-&lt;flags&gt;</c>.</summary>
    public static string TraceParentOf(string runId, bool sampled) =>
        "00-" + TraceIdOf(runId).ToHexString() + "-" + RunSpanIdOf(runId).ToHexString() + (sampled ? "-01" : "-00");
}
