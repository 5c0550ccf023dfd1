using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Oversight.Incidents;
using Gateway.Oversight.Options;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Records.Tests.Postgres;

/// <summary>Notification coalescing across replicas: two gateways over one PostgreSQL incident store and one Redis state store.</summary>
public sealed class PostgresIncidentCoalescingTests
{
    [Fact]
    public async Task OpenAsync_TwoReplicasOpenTheSameIntentAtOnce_OneNotificationAndTheOtherCoalescedIntoIt()
    {
        var accepted = new ConcurrentDictionary<string, int>();
        await using var webhook = await KestrelUpstream.StartAsync(app => app.MapPost("/incidents", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            accepted.AddOrUpdate(body.RootElement.GetProperty("incident").GetProperty("id").GetString()!, 1, (_, n) => n + 1);
            return Results.Ok();
        }));
        var replicas = new PostgresReplicas();
        var redis = await Backends.RedisAsync();
        var stores = new[] { new PostgresIncidentStore(await replicas.NextAsync()), new PostgresIncidentStore(await replicas.NextAsync()) };
        var options = MsOptions.Create(new OversightOptions
        {
            Incidents = new IncidentOptions { WebhookUrl = webhook.At("/incidents"), PollInterval = TimeSpan.FromMilliseconds(50) },
        });
        var notifiers = stores.Select(store => Notifier(store, options)).ToArray();
        var services = stores.Select((store, i) => new IncidentService(
            store,
            notifiers[i],
            new IncidentNotificationWindow(redis, options, NullLogger<IncidentNotificationWindow>.Instance),
            TimeProvider.System,
            TestOversight.Metrics,
            NullLogger<IncidentService>.Instance)).ToArray();
        var tenant = Backends.NewTenant();
        foreach (var notifier in notifiers)
        {
            await notifier.StartAsync(CancellationToken.None);
        }

        try
        {
            var same = await Task.WhenAll(services.Select(s => s.OpenAsync(tenant, "agent-1", "payments.transfer", "sha256:intent", null, [], "ws-1").AsTask()));
            var other = await services[1].OpenAsync(tenant, "agent-1", "payments.refund", "sha256:intent", null, [], "ws-1");
            var listed = await Eventually.ReturnsAsync(
                () => services[0].ListAsync(tenant).AsTask(),
                l => l.Count == 3 && l.All(i => i.Delivery?.State is IncidentDelivery.Delivered or IncidentDelivery.Coalesced),
                TimeSpan.FromSeconds(60),
                l => $"{l?.Count ?? 0} incidents listed, not 3 delivered or coalesced, within 60 s");

            var delivered = listed.Where(i => i.Delivery!.State == IncidentDelivery.Delivered).Select(i => i.Id).ToArray();
            var coalesced = Assert.Single(listed, i => i.Delivery!.State == IncidentDelivery.Coalesced);
            Assert.Contains(coalesced.Id, same.Select(i => i.Id));
            Assert.Contains(coalesced.Delivery!.CoalescedInto, same.Select(i => i.Id));
            Assert.NotEqual(coalesced.Id, coalesced.Delivery.CoalescedInto);
            Assert.Equal(new[] { coalesced.Delivery.CoalescedInto!, other.Id }.Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
            Assert.Equal(delivered.Order(StringComparer.Ordinal), accepted.Keys.Order(StringComparer.Ordinal));
            Assert.All(accepted.Values, n => Assert.Equal(1, n));
        }
        finally
        {
            foreach (var notifier in notifiers)
            {
                await notifier.StopAsync(CancellationToken.None);
                notifier.Dispose();
            }
        }
    }

    private static IncidentNotifier Notifier(IIncidentStore store, Microsoft.Extensions.Options.IOptions<OversightOptions> options)
    {
        var httpClients = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        return new IncidentNotifier(store, httpClients, TimeProvider.System, TestOversight.Metrics, options, NullLogger<IncidentNotifier>.Instance, TestOversight.Keys);
    }
}
