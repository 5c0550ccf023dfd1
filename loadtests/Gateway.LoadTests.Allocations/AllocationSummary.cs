using System.Globalization;
using System.Text;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Gateway.LoadTests.Allocations;

/// <summary>Allocation ticks summed by type and by the allocating gateway frame (the first <c>Gateway.</c> frame on the stack).</summary>
internal sealed class AllocationSummary
{
    private const int Rows = 40;

    private readonly Dictionary<string, long> _byType = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _bySite = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _byTypeAndSite = new(StringComparer.Ordinal);
    private long _total;

    public static AllocationSummary Read(string nettrace)
    {
        var summary = new AllocationSummary();
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(nettrace));
        foreach (var data in log.Events)
        {
            if (data is GCAllocationTickTraceData tick)
            {
                summary.Add(tick.TypeName ?? "?", Site(data.CallStack()), tick.AllocationAmount64);
            }
        }

        return summary;
    }

    public string ToMarkdown(int pid, int seconds)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Allocations of process {pid} over {seconds} s\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Sampled by the runtime's allocation ticks (one per about 100 KB per heap): {_total / 1024 / 1024} MiB in all.\n\n");
        Table(text, "type", _byType);
        Table(text, "allocating frame (the first gateway frame, with the frame below it)", _bySite);
        Table(text, "type at allocating frame", _byTypeAndSite);
        return text.ToString();
    }

    private static void Table(StringBuilder text, string heading, Dictionary<string, long> rows)
    {
        var total = rows.Values.Sum();
        text.Append(CultureInfo.InvariantCulture, $"| share | KiB | {heading} |\n|---:|---:|---|\n");
        foreach (var (name, bytes) in rows.OrderByDescending(static r => r.Value).Take(Rows))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {100.0 * bytes / total:F1} % | {bytes / 1024} | `{name.Replace('|', '/')}` |\n");
        }

        text.Append('\n');
    }

    // The first Gateway frame, with the frame it called (what allocated); the leaf frame when no gateway frame is on the stack.
    private static string Site(TraceCallStack? stack)
    {
        string? below = null;
        string? leaf = null;
        for (var frame = stack; frame is not null; frame = frame.Caller)
        {
            var name = frame.CodeAddress.FullMethodName;
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            leaf ??= name;
            if (name.StartsWith("Gateway.", StringComparison.Ordinal))
            {
                return below is null ? EventPipeTrace.MethodName(name) : EventPipeTrace.MethodName(name) + " → " + EventPipeTrace.MethodName(below);
            }

            below = name;
        }

        return leaf is null ? "?" : EventPipeTrace.MethodName(leaf);
    }


    private void Add(string type, string site, long bytes)
    {
        _byType[type] = _byType.GetValueOrDefault(type) + bytes;
        _bySite[site] = _bySite.GetValueOrDefault(site) + bytes;
        var key = type + " at " + site;
        _byTypeAndSite[key] = _byTypeAndSite.GetValueOrDefault(key) + bytes;
        _total += bytes;
    }
}
