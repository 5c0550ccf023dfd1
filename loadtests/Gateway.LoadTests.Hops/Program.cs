using System.Diagnostics.Tracing;
using System.Globalization;
using Gateway.LoadTests;
using Gateway.LoadTests.Hops;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Parsers;

// Usage: Gateway.LoadTests.Hops <pid> <seconds> <requests per second> [report.md]
// Traces the process's thread-pool enqueues (FrameworkEventSource, with the stack of each) while it serves a fixed rate,
// and writes how many work items a request costs and which frames queue them. Run it against a process under that rate.
if (args.Length < 3 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var pid)
    || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var seconds) || !double.TryParse(args[2], CultureInfo.InvariantCulture, out var rate) || rate <= 0)
{
    Console.Error.WriteLine("usage: Gateway.LoadTests.Hops <pid> <seconds> <requests per second> [report.md]");
    return 2;
}

EventPipeProvider[] providers =
[
    // ThreadPool (2) and ThreadTransfer (16): the pool's enqueue and dequeue events.
    new EventPipeProvider("System.Diagnostics.Eventing.FrameworkEventSource", EventLevel.Verbose, 0x12),
    new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)(ClrTraceEventParser.Keywords.Loader | ClrTraceEventParser.Keywords.Jit)),
];
var trace = await EventPipeTrace.TakeAsync("hops", pid, providers, seconds);
var summary = HopSummary.Read(trace);
EventPipeTrace.Delete(trace);
var report = summary.ToMarkdown(pid, seconds, rate);
if (args.Length > 3)
{
    await File.WriteAllTextAsync(args[3], report);
}

Console.Write(report);
return 0;
