using System.Diagnostics.Metrics;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// The pending gauge over many tenants: each tenant's figure is its own pending count, and the requests the count found
/// settled are known to the pending list of the same replica, which reads them no more.
/// </summary>
public sealed class PendingApprovalsRefresherTests
{
    private const string Instrument = "gateway.approvals.pending";

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task PendingGauge_ManyTenants_ReportsEachTenantsPendingAndSharesWhatItFoundSettled()
    {
        var state = new InMemoryStateStore();
        var store = new CountingApprovalStore(new StateStoreApprovalStore(state));
        var time = new FakeTimeProvider(Start);
        await using var host = await OversightTestHost.StartAsync(store: state, time: time, services: s => s.AddSingleton<IApprovalStore>(store));
        using var gauge = new MetricCollector<long>(host.Get<IMeterFactory>(), OversightMetrics.MeterName, Instrument);
        var approvals = host.Get<ApprovalService>();
        var tenants = Enumerable.Range(0, 9).Select(_ => TestServices.NewTenant()).ToArray();
        var expired = new List<string>();
        for (var t = 0; t < tenants.Length; t++)
        {
            for (var i = 0; i < 2; i++)
            {
                expired.Add((await OpenAsync(approvals, tenants[t], "short-" + i, TimeSpan.FromMinutes(1))).Id);
            }

            for (var i = 0; i <= t; i++)
            {
                await OpenAsync(approvals, tenants[t], "long-" + i, TimeSpan.FromMinutes(30));
            }
        }

        time.Advance(TimeSpan.FromMinutes(2));

        var expected = tenants.Select((_, t) => (long)t + 1).ToArray();
        var figures = await Eventually.ReturnsAsync(
            () => Task.FromResult(Figures(gauge, tenants)),
            read => read.SequenceEqual(expected),
            TimeSpan.FromSeconds(10),
            read => "gateway.approvals.pending per tenant did not read " + string.Join(',', expected) + " within 10 s (last read: " + string.Join(',', read ?? []) + ")");
        store.Reset();
        var listed = new List<long>();
        foreach (var tenant in tenants)
        {
            listed.Add((await approvals.ListPendingAsync(tenant)).Count);
        }

        Assert.Equal(expected, figures);
        Assert.Equal(expected, listed);
        Assert.Equal(0, store.ReadsOf(expired));
    }

    private static ValueTask<ApprovalRequest> OpenAsync(ApprovalService approvals, string tenant, string digest, TimeSpan ttl) =>
        approvals.CreateAsync(tenant, "agent-1", "payments.transfer", digest, "policy-digest", null, "gate-payments",
            ["alice"], 1, ttl, TimeSpan.FromMinutes(5));

    // Each tenant's last figure (-1 for none yet).
    private static long[] Figures(MetricCollector<long> gauge, string[] tenants)
    {
        gauge.RecordObservableInstruments();
        var snapshot = gauge.GetMeasurementSnapshot();
        return [.. tenants.Select(tenant => snapshot.LastOrDefault(m => Equals(m.Tags.GetValueOrDefault("tenant"), tenant))?.Value ?? -1)];
    }
}
