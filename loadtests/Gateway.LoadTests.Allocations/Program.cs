using System.Diagnostics.Tracing;
using System.Globalization;
using Gateway.LoadTests;
using Gateway.LoadTests.Allocations;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Parsers;

// Usage: Gateway.LoadTests.Allocations <pid> <seconds> [report.md]
// Traces the process's allocation ticks (one event per ~100 KB allocated on a heap, with the type and
// the stack of the allocation that crossed it) and writes where the bytes go: by type, and by the
// first gateway frame on the stack. Run it against a gateway under steady load.
if (args.Length < 2 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var pid) || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var seconds))
{
    Console.Error.WriteLine("usage: Gateway.LoadTests.Allocations <pid> <seconds> [report.md]");
    return 2;
}

var keywords = ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.Stack | ClrTraceEventParser.Keywords.Loader | ClrTraceEventParser.Keywords.Jit;
var trace = await EventPipeTrace.TakeAsync("allocations", pid, [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, (long)keywords)], seconds);
var summary = AllocationSummary.Read(trace);
EventPipeTrace.Delete(trace);
var report = summary.ToMarkdown(pid, seconds);
if (args.Length > 2)
{
    await File.WriteAllTextAsync(args[2], report);
}

Console.Write(report);
return 0;
