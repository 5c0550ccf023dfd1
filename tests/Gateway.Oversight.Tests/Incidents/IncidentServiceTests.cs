using System.Text.Json;
using Gateway.Connectors.Signing;
using Gateway.Oversight.Incidents;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Oversight.Tests.Incidents;

public sealed class IncidentServiceTests
{
    [Fact]
    public async Task OpenAsync_WebhookUp_ReceivesNotificationSignedWithTheServiceKey()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey);
        await using var host = await StartHostAsync(receiver.Url);
        var tenant = TestServices.NewTenant();

        var incident = await host.Get<IncidentService>().OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", """{"decision":"block_and_open_incident"}""", ["finding-7"], "ws-1");
        var delivery = await receiver.NextAsync();

        Assert.True(delivery.SignatureValid);
        Assert.Equal(SignatureHeaders.GatewayAgent, delivery.Agent);
        Assert.Equal(tenant, delivery.Tenant);
        Assert.InRange(delivery.Nonce.Length, 16, 128);
        using var body = JsonDocument.Parse(delivery.Body);
        Assert.Equal("incident.opened", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(incident.Id, body.RootElement.GetProperty("incident").GetProperty("id").GetString());
        Assert.Equal("finding-7", body.RootElement.GetProperty("incident").GetProperty("finding_ids")[0].GetString());
    }

    [Fact]
    public async Task OpenAsync_WebhookDown_RecordsAtOnceAndDeliversOnRetryWithFreshNonces()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey, failFirst: 2);
        await using var host = await StartHostAsync(receiver.Url);
        var tenant = TestServices.NewTenant();

        var incident = await host.Get<IncidentService>().OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, []);
        var listed = await host.Get<IncidentService>().ListAsync(tenant);
        var delivery = await receiver.NextAsync();

        Assert.Equal(incident.Id, Assert.Single(listed).Id);
        Assert.True(delivery.SignatureValid);
        Assert.Equal(3, receiver.Attempts);
        // Each attempt is signed anew: three nonces, none empty, none repeated (a receiver refuses a nonce it has seen).
        var nonces = receiver.Nonces.ToList();
        Assert.Equal(3, nonces.Count);
        Assert.All(nonces, static nonce => Assert.InRange(nonce.Length, 16, 128));
        Assert.Equal(nonces.Count, nonces.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(delivery.Nonce, nonces[^1]);
    }

    [Fact]
    public async Task ListAsync_AfterFailedThenSuccessfulAttempts_ShowsDeliveredWithTheAttemptCount()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey, failFirst: 2);
        await using var host = await StartHostAsync(receiver.Url);
        var tenant = TestServices.NewTenant();

        var incident = await host.Get<IncidentService>().OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, []);
        await receiver.NextAsync();
        var delivery = await WaitForDeliveryAsync(host.Get<IncidentService>(), tenant, d => d.State != IncidentDelivery.Pending);

        Assert.Equal(incident.Id, Assert.Single(await host.Get<IncidentService>().ListAsync(tenant)).Id);
        Assert.Equal(IncidentDelivery.Delivered, delivery.State);
        Assert.Equal(3, delivery.Attempts);
        Assert.NotNull(delivery.DeliveredAt);
    }

    [Fact]
    public async Task ListAsync_WebhookNeverAccepts_ShowsFailedAfterMaxAttempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey, failFirst: 100);
        await using var host = await OversightTestHost.StartAsync(configuration: new Dictionary<string, string?>
        {
            ["Gateway:Incidents:WebhookUrl"] = receiver.Url.ToString(),
            ["Gateway:Incidents:InitialBackoff"] = "00:00:00.020",
            ["Gateway:Incidents:MaxBackoff"] = "00:00:00.050",
            ["Gateway:Incidents:MaxAttempts"] = "2",
        });
        var tenant = TestServices.NewTenant();

        await host.Get<IncidentService>().OpenAsync(tenant, "agent-1", "tool", "digest", null, []);
        var delivery = await WaitForDeliveryAsync(host.Get<IncidentService>(), tenant, d => d.State != IncidentDelivery.Pending);

        Assert.Equal(IncidentDelivery.Failed, delivery.State);
        Assert.Equal(2, delivery.Attempts);
        Assert.Equal(2, receiver.Attempts);
        Assert.StartsWith("http_", delivery.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_WrongServiceKeyAtReceiver_SignatureDoesNotVerify()
    {
        await using var receiver = await WebhookReceiver.StartAsync("some-other-key-that-is-long-enough-000"u8.ToArray());
        await using var host = await StartHostAsync(receiver.Url);

        await host.Get<IncidentService>().OpenAsync(TestServices.NewTenant(), "agent-1", "tool", "digest", null, []);

        Assert.False((await receiver.NextAsync()).SignatureValid);
    }

    [Fact]
    public async Task OpenAsync_NoWebhookConfigured_StillRecords()
    {
        await using var host = await OversightTestHost.StartAsync();
        var tenant = TestServices.NewTenant();

        await host.Get<IncidentService>().OpenAsync(tenant, "agent-1", "tool", "digest", null, ["f1"]);

        Assert.Null(Assert.Single(await host.Get<IncidentService>().ListAsync(tenant)).Delivery);
        Assert.Equal(1, await host.Store.LogLengthAsync(StoreKeys.Incidents(tenant)));
    }

    private static async Task<IncidentDelivery> WaitForDeliveryAsync(IncidentService incidents, string tenant, Func<IncidentDelivery, bool> settled) =>
        (await Eventually.ReturnsAsync(
            async () => (await incidents.ListAsync(tenant)).Single().Delivery,
            delivery => delivery is not null && settled(delivery),
            TimeSpan.FromSeconds(30),
            delivery => $"the incident's delivery did not settle within 30 s (last: {delivery?.State ?? "none"})"))!;

    private static Task<OversightTestHost> StartHostAsync(Uri webhook) => OversightTestHost.StartAsync(configuration: new Dictionary<string, string?>
    {
        ["Gateway:Incidents:WebhookUrl"] = webhook.ToString(),
        ["Gateway:Incidents:InitialBackoff"] = "00:00:00.050",
        ["Gateway:Incidents:MaxBackoff"] = "00:00:00.200",
    });
}
