using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;
using Gateway.Oversight.Notifications;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Oversight.Tests.Notifications;

/// <summary>
/// A chat webhook's URL is its credential (Slack's path tokens): the approval and incident webhooks' clients write no log
/// line that names it, even with every category at <c>Information</c>, where .NET's client handlers log each request's URL.
/// </summary>
public sealed class WebhookUrlLoggingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CreateAsync_ChatWebhookAtInformation_NoLogLineNamesItsPath()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        var received = 0;
        await using var webhook = await KestrelUpstream.StartAsync(app => app.MapPost("/services/T/B/{token}", () =>
        {
            Interlocked.Increment(ref received);
            return Results.Ok();
        }));
        var logs = new FakeLogCollector();
        await using var host = await StartHostAsync(logs, new Dictionary<string, string?>
        {
            ["Gateway:Notifications:PublicOrigin"] = "https://gateway.example.com",
            ["Gateway:Notifications:Tenants:demo:WebhookUrl"] = webhook.At("/services/T/B/" + marker).ToString(),
        });

        await host.Get<ApprovalService>().CreateAsync("demo", "agent-1", "payments.refund", "intent-1", "policy-1", null, null, ["alice"], 1,
            TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5));

        // The notifier's own line (event 4900) is written once the webhook has answered: every line of the send is in by then.
        await Eventually.HoldsAsync(() => logs.GetSnapshot().Any(static r => r.Id.Id == 4900), Patience, () => $"not notified (webhook calls: {received})");
        Assert.Equal(1, Volatile.Read(ref received));
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenAsync_IncidentWebhookAtInformation_NoLogLineNamesItsPath()
    {
        var marker = "planted-" + Guid.NewGuid().ToString("N");
        await using var webhook = await KestrelUpstream.StartAsync(app => app.MapPost("/services/T/B/{token}", () => Results.Ok()));
        var logs = new FakeLogCollector();
        await using var host = await StartHostAsync(logs, new Dictionary<string, string?>
        {
            ["Gateway:Incidents:WebhookUrl"] = webhook.At("/services/T/B/" + marker).ToString(),
        });
        var tenant = TestServices.NewTenant();

        await host.Get<IncidentService>().OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, []);

        // Delivered is recorded once the webhook has answered: every line of the send is in by then.
        await Eventually.HoldsAsync(
            async () => (await host.Get<IncidentService>().ListAsync(tenant)).Single().Delivery?.State == IncidentDelivery.Delivered, Patience,
            "the incident was not delivered");
        Assert.NotEmpty(logs.GetSnapshot());
        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains(marker, StringComparison.Ordinal));
    }

    private static Task<OversightTestHost> StartHostAsync(FakeLogCollector logs, Dictionary<string, string?> configuration)
    {
        configuration["Logging:LogLevel:Default"] = "Information";
        return OversightTestHost.StartAsync(
            configuration,
            services: services => services.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs))),
            after: static (services, configuration) => services.AddApprovalNotifications(configuration));
    }
}
