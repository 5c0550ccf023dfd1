using System.Collections.Frozen;
using System.Diagnostics.Metrics;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// ASP.NET Core's and HttpClient's instruments that record on every request and that no shipped dashboard, alert or
/// document reads: about 10 of the 41 measurements of an allowed tool call (Kestrel's memory pool, about 7 for the
/// request's block rents and returns; the forwarder's active requests, 2; the route match, 1). Off unless
/// <see cref="SettingKey"/> is true; docs/observability.md lists them.
/// </summary>
internal static class PerRequestFrameworkInstruments
{
    public const string SettingKey = "Gateway:Metrics:AllFrameworkInstruments";

    private const string MemoryPoolMeter = "Microsoft.AspNetCore.MemoryPool";

    private static readonly FrozenSet<(string Meter, string Instrument)> Instruments = FrozenSet.Create(
        ("System.Net.Http", "http.client.active_requests"),
        ("Microsoft.AspNetCore.Routing", "aspnetcore.routing.match_attempts"));

    /// <summary>Whether <paramref name="instrument"/> is one of them (every instrument of Kestrel's memory pool meter is).</summary>
    public static bool Contains(Instrument instrument) =>
        instrument.Meter.Name == MemoryPoolMeter || Instruments.Contains((instrument.Meter.Name, instrument.Name));
}
