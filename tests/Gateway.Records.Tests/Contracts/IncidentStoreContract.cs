using Gateway.Oversight.Incidents;
using Gateway.Records.Tests.Infrastructure;

namespace Gateway.Records.Tests.Contracts;

/// <summary>What every <see cref="IIncidentStore"/> must do, outbox included; run against each implementation by a subclass.</summary>
public abstract class IncidentStoreContract
{
    private static readonly DateTimeOffset Opened = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    protected abstract Task<IIncidentStore> StoreAsync();

    [Fact]
    public async Task ListAsync_ReturnsTheNewestLimitOldestFirst_WithoutDeliveryWhenNotNotified()
    {
        var store = await StoreAsync();
        var tenant = Backends.NewTenant();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var incident = TestIncidents.New(tenant, Opened);
            await store.AppendAsync(incident, notify: false);
            ids.Add(incident.Id);
        }

        var listed = await store.ListAsync(tenant, 2);

        Assert.Equal(ids[1..], listed.Select(i => i.Id));
        Assert.All(listed, i => Assert.Null(i.Delivery));
        Assert.Equal(["finding-1"], listed[0].FindingIds);
        Assert.Equal("ws-1", listed[0].Workspace);
        Assert.Empty(await store.ListAsync(Backends.NewTenant(), 10));
    }

    [Fact]
    public async Task ClaimDueAsync_NotifiedIncident_IsClaimedOnceUntilItsLeaseRunsOut()
    {
        var store = await StoreAsync();
        var incident = TestIncidents.New(Backends.NewTenant(), Opened);
        await store.AppendAsync(incident, notify: true);

        var first = await ClaimOwnAsync(store, incident, Opened, Opened.AddMinutes(1));
        var during = await ClaimOwnAsync(store, incident, Opened.AddSeconds(30), Opened.AddMinutes(2));
        var after = await ClaimOwnAsync(store, incident, Opened.AddMinutes(1), Opened.AddMinutes(3));

        Assert.Equal(1, Assert.Single(first).Attempt);
        Assert.Equal(incident.Tool, first[0].Incident.Tool);
        Assert.Empty(during);
        Assert.Equal(2, Assert.Single(after).Attempt);
        var delivery = Assert.Single(await store.ListAsync(incident.Tenant, 10)).Delivery;
        Assert.Equal(IncidentDelivery.Pending, delivery!.State);
    }

    [Fact]
    public async Task RecordDeliveryAsync_RetryThenDelivered_IsDueAgainAtItsTimeAndThenNever()
    {
        var store = await StoreAsync();
        var incident = TestIncidents.New(Backends.NewTenant(), Opened);
        await store.AppendAsync(incident, notify: true);
        await ClaimOwnAsync(store, incident, Opened, Opened.AddMinutes(1));

        await store.RecordDeliveryAsync(incident.Tenant, incident.Id, new IncidentDelivery { State = IncidentDelivery.Pending, Attempts = 1, NextAttemptAt = Opened.AddSeconds(10), LastError = "http_503" });
        var early = await ClaimOwnAsync(store, incident, Opened.AddSeconds(5), Opened.AddMinutes(1));
        var due = await ClaimOwnAsync(store, incident, Opened.AddSeconds(10), Opened.AddMinutes(1));
        await store.RecordDeliveryAsync(incident.Tenant, incident.Id, new IncidentDelivery { State = IncidentDelivery.Delivered, Attempts = 2, DeliveredAt = Opened.AddSeconds(11) });
        var later = await ClaimOwnAsync(store, incident, Opened.AddHours(1), Opened.AddHours(2));

        Assert.Empty(early);
        Assert.Equal(2, Assert.Single(due).Attempt);
        Assert.Empty(later);
        var delivery = Assert.Single(await store.ListAsync(incident.Tenant, 10)).Delivery!;
        Assert.Equal(IncidentDelivery.Delivered, delivery.State);
        Assert.Equal(2, delivery.Attempts);
        Assert.Equal(Opened.AddSeconds(11), delivery.DeliveredAt);
    }

    [Fact]
    public async Task RecordDeliveryAsync_StaleAttemptAfterReclaim_DoesNotOverwrite()
    {
        var store = await StoreAsync();
        var incident = TestIncidents.New(Backends.NewTenant(), Opened);
        await store.AppendAsync(incident, notify: true);
        await ClaimOwnAsync(store, incident, Opened, Opened.AddMinutes(1));
        var reclaimed = await ClaimOwnAsync(store, incident, Opened.AddMinutes(1), Opened.AddMinutes(2));

        // Attempt 1 outlived its lease: its outcome must neither reschedule attempt 2's claim nor overwrite its result.
        await store.RecordDeliveryAsync(incident.Tenant, incident.Id, new IncidentDelivery { State = IncidentDelivery.Pending, Attempts = 1, NextAttemptAt = Opened.AddSeconds(70), LastError = "timeout" });
        var duringSecondLease = await ClaimOwnAsync(store, incident, Opened.AddSeconds(80), Opened.AddMinutes(3));
        await store.RecordDeliveryAsync(incident.Tenant, incident.Id, new IncidentDelivery { State = IncidentDelivery.Delivered, Attempts = 2, DeliveredAt = Opened.AddSeconds(90) });
        await store.RecordDeliveryAsync(incident.Tenant, incident.Id, new IncidentDelivery { State = IncidentDelivery.Pending, Attempts = 1, NextAttemptAt = Opened.AddSeconds(100), LastError = "timeout" });
        var later = await ClaimOwnAsync(store, incident, Opened.AddHours(1), Opened.AddHours(2));

        Assert.Equal(2, Assert.Single(reclaimed).Attempt);
        Assert.Empty(duringSecondLease);
        Assert.Empty(later);
        var delivery = Assert.Single(await store.ListAsync(incident.Tenant, 10)).Delivery!;
        Assert.Equal(IncidentDelivery.Delivered, delivery.State);
        Assert.Equal(2, delivery.Attempts);
        Assert.Equal(Opened.AddSeconds(90), delivery.DeliveredAt);
        Assert.Null(delivery.LastError);
    }

    /// <summary>Claims what is due, keeping only this test's incident.</summary>
    private static async Task<IReadOnlyList<IncidentOutboxEntry>> ClaimOwnAsync(IIncidentStore store, Incident incident, DateTimeOffset now, DateTimeOffset leaseUntil) =>
        (await store.ClaimDueAsync(now, leaseUntil, 1000)).Where(e => e.Incident.Id == incident.Id).ToArray();
}
