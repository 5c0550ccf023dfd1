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

/// <summary>The durable outbox: two replicas' deliverers drain one PostgreSQL outbox into a real Kestrel webhook.</summary>
public sealed class PostgresIncidentOutboxTests
{
    [Fact]
    public async Task Deliverers_TwoReplicasAndAWebhookThatFailsFirst_DeliverEveryIncidentExactlyOnceAfterRetries()
    {
        const int Failures = 3;
        var failuresLeft = Failures;
        var accepted = new ConcurrentDictionary<string, int>();
        var attempts = 0;
        await using var webhook = await KestrelUpstream.StartAsync(app => app.MapPost("/incidents", async (HttpContext context) =>
        {
            Interlocked.Increment(ref attempts);
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            accepted.AddOrUpdate(body.RootElement.GetProperty("incident").GetProperty("id").GetString()!, 1, (_, n) => n + 1);
            return Results.Ok();
        }));
        var replicas = new PostgresReplicas();
        var stores = new[] { new PostgresIncidentStore(await replicas.NextAsync()), new PostgresIncidentStore(await replicas.NextAsync()) };
        var tenant = Backends.NewTenant();
        var opened = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var incident = TestIncidents.New(tenant);
            await stores[i % 2].AppendAsync(incident, notify: true);
            opened.Add(incident.Id);
        }

        var notifiers = stores.Select(store => Notifier(store, webhook.At("/incidents"))).ToArray();
        foreach (var notifier in notifiers)
        {
            await notifier.StartAsync(CancellationToken.None);
        }

        try
        {
            var listed = await WaitUntilSettledAsync(stores[0], tenant, opened.Count);

            Assert.All(listed, i => Assert.Equal(IncidentDelivery.Delivered, i.Delivery!.State));
            Assert.Equal(opened.Order(StringComparer.Ordinal), accepted.Keys.Order(StringComparer.Ordinal));
            Assert.All(accepted.Values, n => Assert.Equal(1, n));
            Assert.Equal(opened.Count + Failures, attempts);
            Assert.Equal(opened.Count + Failures, listed.Sum(i => i.Delivery!.Attempts));
            Assert.Contains(listed, i => i.Delivery!.Attempts > 1);
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

    private static IncidentNotifier Notifier(IIncidentStore store, Uri webhook)
    {
        var options = new OversightOptions
        {
            Incidents = new IncidentOptions
            {
                WebhookUrl = webhook,
                InitialBackoff = TimeSpan.FromMilliseconds(20),
                MaxBackoff = TimeSpan.FromMilliseconds(100),
                PollInterval = TimeSpan.FromMilliseconds(50),
            },
        };
        var httpClients = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        return new IncidentNotifier(store, httpClients, TimeProvider.System, TestOversight.Metrics, MsOptions.Create(options), NullLogger<IncidentNotifier>.Instance, TestOversight.Keys);
    }

    private static Task<IReadOnlyList<Incident>> WaitUntilSettledAsync(IIncidentStore store, string tenant, int count) => Eventually.ReturnsAsync(
        () => store.ListAsync(tenant, 100).AsTask(),
        listed => listed.Count == count && listed.All(i => i.Delivery?.State is IncidentDelivery.Delivered or IncidentDelivery.Failed),
        TimeSpan.FromSeconds(60),
        listed => $"{listed?.Count ?? 0} incidents listed, not {count} all delivered or failed, within 60 s");
}
