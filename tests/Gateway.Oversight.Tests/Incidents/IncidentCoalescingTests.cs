using System.Diagnostics.Metrics;
using System.Text.Json;
using Gateway.Oversight.Incidents;
using Gateway.Oversight.Options;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Gateway.Oversight.Tests.Incidents;

public sealed class IncidentCoalescingTests
{
    [Fact]
    public async Task OpenAsync_SameIntentWithinWindow_NotifiesOnceAndListsTheSecondCoalescedIntoTheFirst()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey);
        await using var host = await CoalescingTestHost.StartAsync(receiver.Url);
        using var notifications = new MetricCollector<long>(host.Get<IMeterFactory>(), "Gateway.Oversight", "gateway.incidents.notifications");
        var incidents = host.Get<IncidentService>();
        var tenant = TestServices.NewTenant();

        var first = await incidents.OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, [], "ws-1");
        var second = await incidents.OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, [], "ws-1");
        var other = await incidents.OpenAsync(tenant, "agent-1", "payments.refund", "digest-1", null, [], "ws-1");
        var delivered = new[] { await NotifiedIdAsync(receiver), await NotifiedIdAsync(receiver) };
        var listed = await WaitForSettledAsync(incidents, tenant, 3);

        Assert.Equal(new[] { first.Id, other.Id }.Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
        Assert.Equal(2, receiver.Attempts);
        Assert.Equal(3, listed.Count);
        var coalesced = listed.Single(i => i.Id == second.Id).Delivery!;
        Assert.Equal(IncidentDelivery.Coalesced, coalesced.State);
        Assert.Equal(first.Id, coalesced.CoalescedInto);
        Assert.Equal(IncidentDelivery.Delivered, listed.Single(i => i.Id == first.Id).Delivery!.State);
        Assert.Single(notifications.GetMeasurementSnapshot(), m => Equals(m.Tags["outcome"], "coalesced") && Equals(m.Tags["tenant"], tenant));
    }

    [Fact]
    public async Task OpenAsync_SameIntentAfterWindowEnds_NotifiesAgain()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey);
        await using var host = await CoalescingTestHost.StartAsync(receiver.Url, window: "00:05:00");
        var incidents = host.Get<IncidentService>();
        var tenant = TestServices.NewTenant();

        var first = await incidents.OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, []);
        var firstNotified = await NotifiedIdAsync(receiver);
        host.Clock.Offset += TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1);
        var later = await incidents.OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, []);
        var laterNotified = await NotifiedIdAsync(receiver);

        Assert.Equal(first.Id, firstNotified);
        Assert.Equal(later.Id, laterNotified);
        Assert.All(await WaitForSettledAsync(incidents, tenant, 2), i => Assert.Equal(IncidentDelivery.Delivered, i.Delivery!.State));
    }

    [Fact]
    public async Task OpenAsync_DifferentToolOrAgentOrWorkspace_EachNotified()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey);
        await using var host = await CoalescingTestHost.StartAsync(receiver.Url);
        var incidents = host.Get<IncidentService>();
        var tenant = TestServices.NewTenant();

        var opened = new[]
        {
            await incidents.OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, [], "ws-1"),
            await incidents.OpenAsync(tenant, "agent-1", "payments.refund", "digest-1", null, [], "ws-1"),
            await incidents.OpenAsync(tenant, "agent-2", "payments.transfer", "digest-1", null, [], "ws-1"),
            await incidents.OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, [], "ws-2"),
            await incidents.OpenAsync(tenant, "agent-1", "payments.transfer", "digest-1", null, []),
        };
        var notified = new List<string>();
        for (var i = 0; i < opened.Length; i++)
        {
            notified.Add(await NotifiedIdAsync(receiver));
        }

        Assert.Equal(opened.Select(i => i.Id).Order(StringComparer.Ordinal), notified.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task OpenAsync_WindowZero_NotifiesEveryIncident()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey);
        await using var host = await CoalescingTestHost.StartAsync(receiver.Url, window: "00:00:00");
        var incidents = host.Get<IncidentService>();
        var tenant = TestServices.NewTenant();

        var first = await incidents.OpenAsync(tenant, "agent-1", "tool", "digest", null, []);
        var second = await incidents.OpenAsync(tenant, "agent-1", "tool", "digest", null, []);
        var notified = new[] { await NotifiedIdAsync(receiver), await NotifiedIdAsync(receiver) };

        Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), notified.Order(StringComparer.Ordinal));
        Assert.All(await WaitForSettledAsync(incidents, tenant, 2), i => Assert.Equal(IncidentDelivery.Delivered, i.Delivery!.State));
    }

    [Fact]
    public async Task OpenAsync_StateStoreRefusesTheWindow_NotifiesAndRecordsEach()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey);
        await using var host = await CoalescingTestHost.StartAsync(receiver.Url, windowStoreDown: true);
        var incidents = host.Get<IncidentService>();
        var tenant = TestServices.NewTenant();

        var first = await incidents.OpenAsync(tenant, "agent-1", "tool", "digest", null, []);
        var second = await incidents.OpenAsync(tenant, "agent-1", "tool", "digest", null, []);
        var notified = new[] { await NotifiedIdAsync(receiver), await NotifiedIdAsync(receiver) };

        Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), notified.Order(StringComparer.Ordinal));
        Assert.Equal(2, (await WaitForSettledAsync(incidents, tenant, 2)).Count);
    }

    [Fact]
    public async Task OpenAsync_FirstOfTheIntentNotRecorded_NextIsNotifiedNotCoalesced()
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestKeys.ServiceKey);
        await using var host = await CoalescingTestHost.StartAsync(receiver.Url, firstAppendFails: true);
        var incidents = host.Get<IncidentService>();
        var tenant = TestServices.NewTenant();

        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await incidents.OpenAsync(tenant, "agent-1", "tool", "digest", null, []));
        var next = await incidents.OpenAsync(tenant, "agent-1", "tool", "digest", null, []);

        Assert.Equal(next.Id, await NotifiedIdAsync(receiver));
        Assert.Equal(IncidentDelivery.Delivered, Assert.Single(await WaitForSettledAsync(incidents, tenant, 1)).Delivery!.State);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(24 * 60 * 60 + 1)]
    public void Validate_NotificationWindowOutOfRange_Fails(int seconds)
    {
        var result = new OversightOptionsValidator().Validate(null, new OversightOptions { Incidents = new IncidentOptions { NotificationWindow = TimeSpan.FromSeconds(seconds) } });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Incidents:NotificationWindow", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(24 * 60 * 60)]
    public void Validate_NotificationWindowInRange_Succeeds(int seconds) =>
        Assert.True(new OversightOptionsValidator().Validate(null, new OversightOptions { Incidents = new IncidentOptions { NotificationWindow = TimeSpan.FromSeconds(seconds) } }).Succeeded);

    private static async Task<string> NotifiedIdAsync(WebhookReceiver receiver)
    {
        var delivery = await receiver.NextAsync();
        Assert.True(delivery.SignatureValid);
        using var body = JsonDocument.Parse(delivery.Body);
        return body.RootElement.GetProperty("incident").GetProperty("id").GetString()!;
    }

    private static async Task<IReadOnlyList<Incident>> WaitForSettledAsync(IncidentService incidents, string tenant, int count) =>
        await Eventually.ReturnsAsync(
            async () => await incidents.ListAsync(tenant),
            listed => listed.Count == count && listed.All(i => i.Delivery is { State: not IncidentDelivery.Pending }),
            TimeSpan.FromSeconds(30),
            listed => $"the incidents did not settle within 30 s (states: {string.Join(", ", listed?.Select(i => i.Delivery?.State ?? "none") ?? [])})");
}
