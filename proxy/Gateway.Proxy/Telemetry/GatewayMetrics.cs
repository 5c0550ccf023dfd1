using System.Diagnostics.Metrics;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The gateway's own instruments, on the meter <c>Gateway</c>. Names are the contract of the
/// dashboards and alerts in docs/observability.md and charts/gateway/dashboards: never rename one.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Gateway";

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        Decisions = meter.CreateCounter<long>("gateway.decisions", "{decision}", "Decisions made, by decision, failing control and tenant.");
        DecisionDuration = meter.CreateHistogram<double>("gateway.decision.duration", "s", "Time to describe and decide one action.");
        Refusals = meter.CreateCounter<long>("gateway.requests.refused", "{request}", "Requests refused, by stable problem code.");
        Replays = meter.CreateCounter<long>("gateway.auth.replays", "{request}", "Requests refused because their nonce was already seen.");
        RateLimitRefusals = meter.CreateCounter<long>("gateway.ratelimit.refusals", "{request}", "Requests refused by a rate limit, by scope.");
        BudgetRefusals = meter.CreateCounter<long>("gateway.budget.refusals", "{request}", "Model calls refused because the token budget could not cover them.");
        Tokens = meter.CreateCounter<long>("gateway.tokens", "{token}", "Model tokens used, by model, tenant and direction.");
        Redactions = meter.CreateCounter<long>("gateway.redactions", "{redaction}", "Values redacted from responses, by kind.");
        AuditAppendDuration = meter.CreateHistogram<double>("gateway.audit.append.duration", "s", "Time to append one audit record.");
        PolicyReloads = meter.CreateCounter<long>("gateway.policy.reloads", "{reload}", "Policy bundle reloads, by result (applied, refused).");
    }

    public Counter<long> Decisions { get; }

    public Histogram<double> DecisionDuration { get; }

    public Counter<long> Refusals { get; }

    public Counter<long> Replays { get; }

    public Counter<long> RateLimitRefusals { get; }

    public Counter<long> BudgetRefusals { get; }

    public Counter<long> Tokens { get; }

    public Counter<long> Redactions { get; }

    public Histogram<double> AuditAppendDuration { get; }

    public Counter<long> PolicyReloads { get; }
}
