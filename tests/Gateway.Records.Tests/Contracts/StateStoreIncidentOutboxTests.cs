using System.Diagnostics.Metrics;
using Gateway.Oversight;
using Gateway.Oversight.Incidents;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Records.Tests.Contracts;

/// <summary>The bound on the in-process outbox of <see cref="StateStoreIncidentStore"/> (PostgreSQL's outbox is a table), on the embedded store and real Redis.</summary>
public sealed class StateStoreIncidentOutboxTests
{
    private static readonly DateTimeOffset Opened = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AppendAsync_OutboxAtCapacity_StoresIncidentAndRecordsAndCountsDeliveryDropped(bool redis)
    {
        IStateStore backend = redis ? await Backends.RedisAsync() : new InMemoryStateStore();
        var logger = new FakeLogger<StateStoreIncidentStore>();
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        using var notifications = new MetricCollector<long>(meters, OversightMetrics.MeterName, "gateway.incidents.notifications");
        var store = new StateStoreIncidentStore(backend, outboxCapacity: 2, logger, new OversightMetrics(meters));
        var tenant = Backends.NewTenant();
        var incidents = Enumerable.Range(0, 3).Select(_ => TestIncidents.New(tenant, Opened)).ToArray();

        foreach (var incident in incidents)
        {
            await store.AppendAsync(incident, notify: true);
        }

        var claimed = (await store.ClaimDueAsync(Opened, Opened.AddMinutes(1), 1000)).Where(e => e.Incident.Tenant == tenant).Select(e => e.Incident.Id);
        var listed = await store.ListAsync(tenant, 10);

        Assert.Equal(incidents.Select(i => i.Id), listed.Select(i => i.Id));
        Assert.All(listed.Take(2), i => Assert.Equal(IncidentDelivery.Pending, i.Delivery!.State));
        var dropped = listed[2].Delivery!;
        Assert.Equal(IncidentDelivery.Failed, dropped.State);
        Assert.Equal(StateStoreIncidentStore.OutboxFullError, dropped.LastError);
        Assert.Equal(0, dropped.Attempts);
        Assert.Equal(incidents.Take(2).Select(i => i.Id).Order(), claimed.Order());
        var log = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 4046);
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.Contains(incidents[2].Id, log.Message, StringComparison.Ordinal);
        var counted = Assert.Single(notifications.GetMeasurementSnapshot());
        Assert.Equal(1, counted.Value);
        Assert.Equal("dropped", counted.Tags["outcome"]);
        Assert.Equal(tenant, counted.Tags["tenant"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AppendAsync_OneTenantAtItsShare_AnotherTenantsNotificationIsStillQueued(bool redis)
    {
        IStateStore backend = redis ? await Backends.RedisAsync() : new InMemoryStateStore();
        var store = new StateStoreIncidentStore(backend, outboxCapacity: 10, outboxCapacityPerTenant: 2);
        var (flooding, other) = (Backends.NewTenant(), Backends.NewTenant());
        var flood = Enumerable.Range(0, 12).Select(_ => TestIncidents.New(flooding, Opened)).ToArray();
        var others = TestIncidents.New(other, Opened);

        foreach (var incident in flood)
        {
            await store.AppendAsync(incident, notify: true);
        }

        await store.AppendAsync(others, notify: true);
        var claimed = (await store.ClaimDueAsync(Opened, Opened.AddMinutes(1), 1000)).Select(e => e.Incident.Id).ToHashSet();
        var listed = await store.ListAsync(flooding, 20);

        Assert.Contains(others.Id, claimed);
        Assert.Equal(flood.Take(2).Select(i => i.Id).Order(), claimed.Where(id => id != others.Id).Order());
        Assert.All(listed.Skip(2), i => Assert.Equal(StateStoreIncidentStore.OutboxFullError, i.Delivery!.LastError));
        Assert.Equal(IncidentDelivery.Pending, (await store.ListAsync(other, 1)).Single().Delivery!.State);
    }

    [Fact]
    public async Task AppendAsync_TenantsNotificationDelivered_ItsShareIsFreedAgain()
    {
        var store = new StateStoreIncidentStore(new InMemoryStateStore(), outboxCapacity: 10, outboxCapacityPerTenant: 1);
        var tenant = Backends.NewTenant();
        var (first, second) = (TestIncidents.New(tenant, Opened), TestIncidents.New(tenant, Opened));

        await store.AppendAsync(first, notify: true);
        var claim = Assert.Single(await store.ClaimDueAsync(Opened, Opened.AddMinutes(1), 10));
        await store.RecordDeliveryAsync(tenant, first.Id, new IncidentDelivery { State = IncidentDelivery.Delivered, Attempts = claim.Attempt, DeliveredAt = Opened });
        await store.AppendAsync(second, notify: true);

        Assert.Equal(second.Id, Assert.Single(await store.ClaimDueAsync(Opened, Opened.AddMinutes(1), 10)).Incident.Id);
    }
}
