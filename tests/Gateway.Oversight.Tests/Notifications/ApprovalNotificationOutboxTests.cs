using Gateway.Oversight.Notifications;

namespace Gateway.Oversight.Tests.Notifications;

public sealed class ApprovalNotificationOutboxTests
{
    private static readonly DateTimeOffset Due = DateTimeOffset.UnixEpoch;

    [Fact]
    public void TryAdd_OneTenantAtItsShare_IsRefusedWhileAnotherTenantIsQueued()
    {
        var outbox = new ApprovalNotificationOutbox(capacity: 10, capacityPerTenant: 2);

        var flood = Enumerable.Range(0, 12).Select(i => outbox.TryAdd(Entry("flooding", i))).ToArray();
        var other = outbox.TryAdd(Entry("other", 0));

        Assert.Equal([true, true], flood.Take(2));
        Assert.All(flood.Skip(2), Assert.False);
        Assert.True(other);
        Assert.Equal(3, outbox.Count);
    }

    [Fact]
    public void TryAdd_AfterTheTenantsEntryWasClaimed_QueuesAgain()
    {
        var outbox = new ApprovalNotificationOutbox(capacity: 10, capacityPerTenant: 1);
        Assert.True(outbox.TryAdd(Entry("acme", 0)));
        Assert.False(outbox.TryAdd(Entry("acme", 1)));

        Assert.Single(outbox.ClaimDue(Due, 10));

        Assert.True(outbox.TryAdd(Entry("acme", 2)));
    }

    private static ApprovalOutboxEntry Entry(string tenant, int n) => new(
        new ApprovalNotification
        {
            Tenant = tenant,
            ApprovalId = $"apr_{tenant}_{n}",
            Approvers = ["alice"],
            Subject = "refund",
            Text = "refund 25",
            Link = new Uri($"https://gateway.example/console/{tenant}/approvals/apr_{n}"),
        },
        "webhook",
        0,
        Due);
}
