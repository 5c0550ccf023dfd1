using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Connectors.Redaction;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The gateway's own instruments, on the meter <c>Gateway</c>. Names are the contract of the
/// dashboards and alerts in docs/observability.md and charts/gateway/dashboards: never rename one.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Gateway";

    /// <summary>
    /// Buckets, in seconds, of <see cref="StageDuration"/>: 1 µs to 2 s, each bound at most 1.5x the one
    /// before (1, 1.5, 2, 3, 5, 7.5 per decade), so a stage's p50 and p99 read from the buckets are off by
    /// less than one bucket (the cheap stages take a few microseconds).
    /// </summary>
    internal static readonly double[] StageBuckets =
    [
        0.000001, 0.0000015, 0.000002, 0.000003, 0.000005, 0.0000075,
        0.00001, 0.000015, 0.00002, 0.00003, 0.00005, 0.000075,
        0.0001, 0.00015, 0.0002, 0.0003, 0.0005, 0.00075,
        0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075,
        0.01, 0.015, 0.02, 0.03, 0.05, 0.075,
        0.1, 0.15, 0.2, 0.3, 0.5, 0.75,
        1, 1.5, 2,
    ];

    /// <summary>The <c>stage</c> tag of each <see cref="GatewayStage"/>, made once (recording one allocates nothing).</summary>
    private static readonly KeyValuePair<string, object?>[] StageTags =
    [
        .. Enum.GetValues<GatewayStage>().Select(static stage => new KeyValuePair<string, object?>("stage", stage.ToString().ToLowerInvariant())),
    ];

    /// <summary>The <c>secret_slot</c> tag of each <see cref="SecretSlot"/>, made once.</summary>
    private static readonly KeyValuePair<string, object?>[] SecretSlotTags =
    [
        .. Enum.GetValues<SecretSlot>().Select(static slot => new KeyValuePair<string, object?>("secret_slot", slot.WireName())),
    ];

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        Decisions = meter.CreateCounter<long>("gateway.decisions", "{decision}", "Decisions made, by decision, failing control and tenant.");
        DecisionDuration = meter.CreateHistogram<double>("gateway.decision.duration", "s", "Time to describe and decide one action.");
        Refusals = meter.CreateCounter<long>("gateway.requests.refused", "{request}", "Requests refused, by stable problem code.");
        Authenticated = meter.CreateCounter<long>("gateway.auth.authenticated", "{request}", "Signed requests whose signature verified, by the agent's secret or public key that signed them (secret_slot: current, next).");
        Replays = meter.CreateCounter<long>("gateway.auth.replays", "{request}", "Requests refused because their nonce was already seen.");
        RateLimitRefusals = meter.CreateCounter<long>("gateway.ratelimit.refusals", "{request}", "Requests refused by a rate limit, by scope.");
        BudgetRefusals = meter.CreateCounter<long>("gateway.budget.refusals", "{request}", "Model calls refused because the token budget could not cover them.");
        BudgetSettleFailures = meter.CreateCounter<long>("gateway.budget.settle.failures", "{settle}", "Token-budget settles the store failed, by what was held (held: reservation, the reservation stays counted whole; excess, the use beyond it is retried).");
        BudgetSettleRetries = meter.CreateCounter<long>("gateway.budget.settle.retries", "{settle}", "Retries of the use beyond a reservation whose settle failed, by result (settled, failed, expired, lost).");
        RunSettleFailures = meter.CreateCounter<long>("gateway.run.settle.failures", "{settle}", "Settles of a run's token and cost counters the store failed, by what was held (held: reservation, the reservation stays counted; excess, the use beyond it is retried).");
        RunSettleRetries = meter.CreateCounter<long>("gateway.run.settle.retries", "{settle}", "Retries of the use beyond a run's reservation whose settle failed, per counter, by result (settled, failed, expired, lost).");
        UsageUnread = meter.CreateCounter<long>("gateway.budget.usage.unread", "{call}", "Model calls that may have reached the provider and whose answer reported no usage the gateway could read: settled at what they reserved.");
        StoreClockOffset = meter.CreateGauge<double>("gateway.store.clock.offset", "s", "The shared store's clock minus this replica's at the last check, the largest over the store's primaries.");
        Tokens = meter.CreateCounter<long>("gateway.tokens", "{token}", "Model tokens used, by model, tenant and direction.");
        Redactions = meter.CreateCounter<long>("gateway.redactions", "{redaction}", "Values redacted from responses, by kind.");
        AuditAppendDuration = meter.CreateHistogram<double>("gateway.audit.append.duration", "s", "Time to append one audit record.");
        PolicyReloads = meter.CreateCounter<long>("gateway.policy.reloads", "{reload}", "Policy bundle reloads, by result (applied, refused).");
        StageDuration = meter.CreateHistogram<double>(
            "gateway.request.stage.duration",
            "s",
            "Wall time of one stage of a governed request (authenticate ... respond), and of the whole request (total).",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = StageBuckets });
    }

    public Counter<long> Decisions { get; }

    public Histogram<double> DecisionDuration { get; }

    public Counter<long> Refusals { get; }

    public Counter<long> Authenticated { get; }

    public Counter<long> Replays { get; }

    public Counter<long> RateLimitRefusals { get; }

    /// <summary>Counts an admission's refusal: a replayed nonce, or a rate limit of <paramref name="rateLimitScope"/>.</summary>
    public void CountAdmissionRefusal(bool replayed, string? rateLimitScope)
    {
        if (replayed)
        {
            Replays.Add(1);
        }
        else if (rateLimitScope is not null)
        {
            RateLimitRefusals.Add(1, new KeyValuePair<string, object?>("scope", rateLimitScope));
        }
    }

    public Counter<long> BudgetRefusals { get; }

    /// <summary>Token-budget settles the store failed (<c>held</c>: <c>reservation</c> or <c>excess</c>).</summary>
    public Counter<long> BudgetSettleFailures { get; }

    /// <summary>Retries of use beyond a reservation (<c>result</c>: <c>settled</c>, <c>failed</c>, <c>expired</c>, <c>lost</c>).</summary>
    public Counter<long> BudgetSettleRetries { get; }

    /// <summary>Settles of a run's counters the store failed (<c>held</c>: <c>reservation</c> or <c>excess</c>).</summary>
    public Counter<long> RunSettleFailures { get; }

    /// <summary>Retries of use beyond a run's reservation, per counter (<c>result</c>: <c>settled</c>, <c>failed</c>, <c>expired</c>, <c>lost</c>).</summary>
    public Counter<long> RunSettleRetries { get; }

    /// <summary>Model calls settled at their reservation because no usage could be read from the provider's answer.</summary>
    public Counter<long> UsageUnread { get; }

    /// <summary>The shared store's clock minus this replica's, in seconds, at the last check (<c>Gateway:Authentication:MaxStoreClockSkew</c>).</summary>
    public Gauge<double> StoreClockOffset { get; }

    public Counter<long> Tokens { get; }

    /// <summary>The <c>model</c> tags of <see cref="Tokens"/>, bounded per tenant.</summary>
    public ModelTags ModelTags { get; } = new();

    public Counter<long> Redactions { get; }

    public Histogram<double> AuditAppendDuration { get; }

    public Counter<long> PolicyReloads { get; }

    public Histogram<double> StageDuration { get; }

    /// <summary>Adds each kind's count of <paramref name="counts"/> to <see cref="Redactions"/> (by index: no sorted copy, no enumerator).</summary>
    public void CountRedactions(RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        for (var i = 0; i < RedactionKindNames.All.Count; i++)
        {
            var kind = RedactionKindNames.All[i];
            if (counts[kind] is > 0 and var count)
            {
                Redactions.Add(count, new KeyValuePair<string, object?>("kind", kind.ToWireName()));
            }
        }
    }

    /// <summary>Counts a signed request whose signature <paramref name="slot"/>'s secret verified.</summary>
    public void RecordAuthenticated(SecretSlot slot) => Authenticated.Add(1, SecretSlotTags[(int)slot]);

    /// <summary>Records a stage that started at <paramref name="startedTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) and ends now.</summary>
    public void RecordStage(GatewayStage stage, long startedTimestamp) =>
        RecordStage(stage, startedTimestamp, Stopwatch.GetTimestamp());

    /// <summary>Records a stage between two <see cref="Stopwatch.GetTimestamp"/> readings.</summary>
    public void RecordStage(GatewayStage stage, long startedTimestamp, long endedTimestamp) =>
        StageDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp, endedTimestamp).TotalSeconds, StageTags[(int)stage]);
}
