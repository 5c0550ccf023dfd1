using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Gateway.Oversight;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// How many tag combinations each instrument keeps (OpenTelemetry's cardinality limit; beyond it a measurement counts in
/// the series tagged <c>otel.metric.overflow="true"</c>). The SDK allocates an instrument's points when the instrument is
/// published, 72 bytes a point: at its default of 2,000 that is 144 KB per instrument, 10 MB resident over the gateway's
/// ~70. Instruments whose tags are fixed sets (the runtime's, Kestrel's, the store's, the gateway's stages, codes and
/// kinds) keep <see cref="EnumeratedLimit"/>; those tagged by what an operator registers (tenant, model, a rate limit's
/// scope, an HTTP route or upstream) and every meter not listed here keep <see cref="LimitKey"/>.
/// </summary>
internal static class MetricCardinality
{
    public const string LimitKey = "Gateway:Metrics:CardinalityLimit";

    /// <summary><see cref="LimitKey"/> when unset: the SDK's own default.</summary>
    public const int DefaultLimit = 2000;

    /// <summary>The most <see cref="LimitKey"/> may be: 100,000 points are 7 MB per instrument.</summary>
    public const int MaxLimit = 100_000;

    /// <summary>The limit of an instrument whose tags are fixed sets (the largest, the gateway's refusal codes, is under 200).</summary>
    public const int EnumeratedLimit = 256;

    /// <summary>Meters whose instruments carry only fixed sets of tag values, but for <see cref="RegisteredTagInstruments"/>.</summary>
    private static readonly FrozenSet<string> EnumeratedMeters = FrozenSet.Create(
        StringComparer.Ordinal,
        "System.Runtime",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics",
        "Gateway.Store",
        GatewayMetrics.MeterName,
        OversightMetrics.MeterName);

    /// <summary>The gateway's instruments tagged by <c>tenant</c>, <c>model</c> or a rate limit's <c>scope</c> (docs/observability.md).</summary>
    internal static readonly FrozenSet<string> RegisteredTagInstruments = FrozenSet.Create(
        StringComparer.Ordinal,
        "gateway.decisions",
        "gateway.tokens",
        "gateway.ratelimit.refusals",
        "gateway.approvals.pending",
        "gateway.approvals.settled",
        "gateway.warrants.redemptions",
        "gateway.decision_tokens.verifications",
        "gateway.audit.records",
        "gateway.audit.append_conflicts",
        "gateway.audit.backlog_dropped",
        "gateway.evidence.witness_pushes",
        "gateway.evidence.checkpoints",
        "gateway.incidents.opened",
        "gateway.incidents.notifications");

    /// <summary>The cardinality limit of <paramref name="instrument"/>, given the configured one.</summary>
    public static int LimitFor(Instrument instrument, int configuredLimit) =>
        EnumeratedMeters.Contains(instrument.Meter.Name) && !RegisteredTagInstruments.Contains(instrument.Name)
            ? Math.Min(EnumeratedLimit, configuredLimit)
            : configuredLimit;
}
