using System.Diagnostics.Metrics;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// <c>gateway.approvals.pending</c> reads the store, not what one process saw: a replica started after the approvals were
/// opened (a rollout) reports them, and one that expired unread is no longer counted.
/// </summary>
public sealed class ApprovalMetricsTests
{
    private const string Instrument = "gateway.approvals.pending";

    /// <summary>Longer than the refresher's interval: advancing the clock by it starts a refresh.</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _tenant = TestServices.NewTenant();

    [Fact]
    public async Task PendingGauge_AfterARestart_CountsApprovalsStillPending()
    {
        var store = new InMemoryStateStore();
        await using (var before = await OversightTestHost.StartAsync(store: store, time: new FakeTimeProvider(Start)))
        {
            for (var i = 0; i < 3; i++)
            {
                await OpenAsync(before.Get<ApprovalService>(), "digest-" + i);
            }
        }

        var time = new FakeTimeProvider(Start);
        await using var after = await OversightTestHost.StartAsync(store: store, time: time);
        using var pending = new MetricCollector<long>(after.Get<IMeterFactory>(), OversightMetrics.MeterName, Instrument);
        time.Advance(Refresh);

        Assert.Equal(3, await PendingAsync(pending, 3));
    }

    [Fact]
    public async Task PendingGauge_ApprovalExpiredUnread_IsNoLongerPending()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await OversightTestHost.StartAsync(time: time);
        using var pending = new MetricCollector<long>(host.Get<IMeterFactory>(), OversightMetrics.MeterName, Instrument);
        await OpenAsync(host.Get<ApprovalService>(), "digest-0");
        time.Advance(Refresh);
        Assert.Equal(1, await PendingAsync(pending, 1));

        time.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(0, await PendingAsync(pending, 0));
    }

    private ValueTask<ApprovalRequest> OpenAsync(ApprovalService approvals, string digest) =>
        approvals.CreateAsync(_tenant, "agent-1", "payments.transfer", digest, "policy-digest", null, "gate-payments",
            ["alice"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5));

    /// <summary>The tenant's figure once the gauge reads <paramref name="expected"/>; fails with the last figure read after 10 s.</summary>
    private async Task<long?> PendingAsync(MetricCollector<long> pending, long expected) =>
        await Eventually.ReturnsAsync<long?>(
            () =>
            {
                pending.RecordObservableInstruments();
                var ours = pending.GetMeasurementSnapshot().LastOrDefault(m => Equals(m.Tags.GetValueOrDefault("tenant"), _tenant));
                return Task.FromResult(ours?.Value);
            },
            read => read == expected,
            TimeSpan.FromSeconds(10),
            read => $"gateway.approvals.pending{{tenant}} did not read {expected} within 10 s (last read: {read?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no measurement"})");
}
