using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Store.Tests;

/// <summary>
/// A Redis Cluster primary killed under traffic. Contract: while the slot's primary is down or moving, every admission
/// of its tenants fails closed (<see cref="StateStoreUnavailableException"/>, never an answer from a replica's stale
/// copy); after the replica is promoted the same store object serves again, with no restart; and with writes that wait
/// for a replica (<see cref="RedisStoreOptions.ReplicaAcknowledgements"/>, the cluster default) no nonce acknowledged
/// before the failover is accepted again after it. Redis replicates asynchronously: the second fact shows the write a
/// store that does not wait loses, which is what the wait is for.
/// </summary>
public sealed class RedisClusterFailoverTests(RedisClusterStoreFixture fixture, ITestOutputHelper output) : IClassFixture<RedisClusterStoreFixture>
{
    private static readonly TimeSpan Deadline = FailoverUnderTraffic.Deadline;

    private RedisCluster Cluster => fixture.Deployment;

    [Fact]
    public async Task Admit_PrimaryKilledUnderTraffic_FailsClosedThenRecoversAndNoNonceIsAcceptedTwice()
    {
        var tenant = "killed-" + Guid.NewGuid().ToString("N")[..8];
        var key = StoreKeys.Nonce(tenant, "agent", "x");
        var primary = await Cluster.PrimaryForAsync(key);
        try
        {
            output.WriteLine(await FailoverUnderTraffic.RunAsync(fixture.StoreOptions(Cluster), tenant, new(
                Kill: primary.KillAsync,
                WaitForPromotion: () => Cluster.WaitForPromotionAsync(key, primary, Deadline),
                BringBackAsReplica: async () =>
                {
                    await primary.StartAsync();
                    await Cluster.WaitUntilHealthyAsync(Deadline);
                })));
        }
        finally
        {
            await RestoreAsync(primary);
        }
    }

    [Fact]
    public async Task Admit_ReplicaCutOffThenPrimaryKilled_UnwaitedNonceLostOnPromotionWhileTheWaitedOneWasNeverAcknowledged()
    {
        var tenant = "cutoff-" + Guid.NewGuid().ToString("N")[..8];
        var primary = await Cluster.PrimaryForAsync(StoreKeys.Nonce(tenant, "agent", "x"));
        var replica = Assert.Single(await Cluster.ReplicasOfAsync(primary));
        await using var unwaited = new RedisStateStore(fixture.StoreOptions(Cluster) with { ReplicaAcknowledgements = 0, ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200) });
        await using var waited = new RedisStateStore(fixture.StoreOptions(Cluster) with { ReplicaAcknowledgementTimeout = FailoverUnderTraffic.AcknowledgementTimeout, ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200) });
        await waited.PingAsync();
        await unwaited.PingAsync();
        var frozen = false;
        try
        {
            // The replica is cut off: frozen, then its link dropped by the primary (a frozen replica would still find
            // in its socket buffer what the primary streamed to it), so the primary has no replica to send writes to.
            await replica.SignalAsync(freeze: true);
            frozen = true;
            await RedisCommandLine.RunAsync(primary.Port, "CLIENT", "KILL", "TYPE", "replica");
            var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await waited.AdmitAsync(AdmissionTraffic.Request(tenant, "waited")));
            Assert.Contains("to 0 of the 1 replicas required", refused.Message, StringComparison.Ordinal);
            Assert.True((await unwaited.AdmitAsync(AdmissionTraffic.Request(tenant, "unwaited"))).NonceFresh);

            // The primary dies before the replica saw either write; the replica comes back and is promoted.
            await primary.KillAsync();
            await replica.SignalAsync(freeze: false);
            frozen = false;
            await Cluster.WaitForPromotionAsync(StoreKeys.Nonce(tenant, "agent", "x"), primary, Deadline);

            // What Redis cannot promise: the acknowledged nonce is gone, so the same request is admitted a second time.
            await RedisStateStoreTests.EventuallyAsync(async () => await unwaited.AdmitAsync(AdmissionTraffic.Request(tenant, "probe-" + Guid.NewGuid().ToString("N"))));
            var second = await unwaited.AdmitAsync(AdmissionTraffic.Request(tenant, "unwaited"));
            Assert.True(second.NonceFresh, "the promoted replica held a write it never received");

            // The waiting store never acknowledged its nonce: admitting it now (once a replica is back) is its first acceptance, and its last.
            await primary.StartAsync();
            await Cluster.WaitUntilHealthyAsync(Deadline);
            // (Once the store serves the tenant again: a retried admission would find the nonce its failed try spent.)
            await RedisStateStoreTests.EventuallyAsync(async () => await waited.AdmitAsync(AdmissionTraffic.Request(tenant, "probe-" + Guid.NewGuid().ToString("N"))));
            Assert.True((await waited.AdmitAsync(AdmissionTraffic.Request(tenant, "waited"))).NonceFresh);
            Assert.False((await waited.AdmitAsync(AdmissionTraffic.Request(tenant, "waited"))).NonceFresh);
        }
        finally
        {
            if (frozen)
            {
                await replica.SignalAsync(freeze: false);
            }

            await RestoreAsync(primary);
        }
    }

    [Fact]
    public async Task Admit_ReplicaFrozenWithItsLinkOpen_TheWaitCountsTheWriteAndRefusesIt()
    {
        var tenant = "frozen-" + Guid.NewGuid().ToString("N")[..8];
        var primary = await Cluster.PrimaryForAsync(StoreKeys.Nonce(tenant, "agent", "x"));
        var replica = Assert.Single(await Cluster.ReplicasOfAsync(primary));
        await using var waited = new RedisStateStore(fixture.StoreOptions(Cluster) with { ReplicaAcknowledgementTimeout = FailoverUnderTraffic.AcknowledgementTimeout });
        Assert.True((await waited.AdmitAsync(AdmissionTraffic.Request(tenant, "before"))).NonceFresh);
        await replica.SignalAsync(freeze: true);
        try
        {
            // The primary still counts the replica as connected: only a WAIT on the connection that sent the write, for
            // that write, finds it unacknowledged (a WAIT elsewhere, with nothing outstanding, would count the replica).
            var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await waited.AdmitAsync(AdmissionTraffic.Request(tenant, "during")));
            Assert.Contains("to 0 of the 1 replicas required", refused.Message, StringComparison.Ordinal);
            var replication = RedisCommandLine.ParseInfo(await RedisCommandLine.RunAsync(primary.Port, "INFO", "replication"));
            Assert.Equal("1", replication["connected_slaves"]);
        }
        finally
        {
            await replica.SignalAsync(freeze: false);
        }

        // Refused, yet spent on the primary: a refused request's nonce is not admitted later either.
        await Cluster.WaitUntilHealthyAsync(Deadline);
        Assert.False((await RedisStateStoreTests.EventuallyAsync(async () => await waited.AdmitAsync(AdmissionTraffic.Request(tenant, "during")))).NonceFresh);
    }

    // Every node running again and the cluster healthy, for the next test (roles may have changed).
    private async Task RestoreAsync(RedisServer killed)
    {
        if (!killed.IsRunning)
        {
            await killed.StartAsync();
        }

        await Cluster.WaitUntilHealthyAsync(Deadline);
    }
}
