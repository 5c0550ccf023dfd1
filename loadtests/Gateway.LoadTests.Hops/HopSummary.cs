using System.Globalization;
using System.Text;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace Gateway.LoadTests.Hops;

/// <summary>Thread-pool enqueues counted per second and summed by the frame that queued each (the first frame outside the pool and the task machinery).</summary>
internal sealed class HopSummary
{
    private const int Rows = 25;

    // Frames of the queuing machinery itself: the origin is the first frame below them.
    private static readonly string[] Machinery =
    [
        "System.Diagnostics.Tracing.", "System.Threading.ThreadPool", "System.Threading.Tasks.", "System.Threading.ExecutionContext",
        "System.Runtime.CompilerServices.", "System.IO.Pipelines.ThreadPoolScheduler", "System.Threading.QueueUserWorkItemCallback",
    ];

    private readonly Dictionary<string, long> _byOrigin = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, long> _perSecond = [];
    private long _total;

    public static HopSummary Read(string nettrace)
    {
        var summary = new HopSummary();
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(nettrace));
        foreach (var data in log.Events)
        {
            if (data.ProviderName == "System.Diagnostics.Eventing.FrameworkEventSource" && data.EventName.StartsWith("ThreadPoolEnqueue", StringComparison.Ordinal))
            {
                summary.Add((long)(data.TimeStampRelativeMSec / 1000), Origin(data.CallStack()));
            }
        }

        return summary;
    }

    /// <summary>Work items a request costs: the median busy second's enqueues over the rate (seconds under half the busiest's left out: before the load, its edges).</summary>
    public double PerRequest(double rate)
    {
        if (_perSecond.Count == 0)
        {
            return 0;
        }

        var busiest = _perSecond.Values.Max();
        var seconds = _perSecond.Values.Where(count => 2 * count >= busiest).Order().ToArray();
        return seconds[seconds.Length / 2] / rate;
    }

    public string ToMarkdown(int pid, int seconds, double rate)
    {
        var perRequest = PerRequest(rate);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Thread-pool work items of process {pid} over {seconds} s at {rate} requests/s\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{_total} enqueues; **{perRequest:F2} per request** (the median second's over the rate). Each origin's share of them, and its work items per request:\n\n");
        text.Append("| share | per request | queued by (the first frame outside the pool and the task machinery, with its caller) |\n|---:|---:|---|\n");
        foreach (var (origin, count) in _byOrigin.OrderByDescending(static r => r.Value).Take(Rows))
        {
            var share = (double)count / _total;
            text.Append(CultureInfo.InvariantCulture, $"| {100 * share:F1} % | {share * perRequest:F2} | `{origin.Replace('|', '/')}` |\n");
        }

        return text.Append('\n').ToString();
    }

    // The first frame outside the queuing machinery, with the frame that called it; "?" for a stack with none.
    private static string Origin(TraceCallStack? stack)
    {
        for (var frame = stack; frame is not null; frame = frame.Caller)
        {
            var name = frame.CodeAddress.FullMethodName;
            if (string.IsNullOrEmpty(name) || Machinery.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                continue;
            }

            var caller = frame.Caller?.CodeAddress.FullMethodName;
            return string.IsNullOrEmpty(caller) ? EventPipeTrace.MethodName(name) : EventPipeTrace.MethodName(name) + " ← " + EventPipeTrace.MethodName(caller);
        }

        return "?";
    }


    private void Add(long second, string origin)
    {
        _perSecond[second] = _perSecond.GetValueOrDefault(second) + 1;
        _byOrigin[origin] = _byOrigin.GetValueOrDefault(origin) + 1;
        _total++;
    }
}
