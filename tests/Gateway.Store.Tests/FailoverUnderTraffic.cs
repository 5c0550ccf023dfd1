using System.Diagnostics;
using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// One failover under traffic, the same for a cluster and for Sentinel: two stores admit a tenant's requests while its
/// primary is killed, a replica promoted and the former primary started again (as a replica). One store waits for a
/// replica on every write (the topology's default), the other does not. Asserted: every call either succeeds or fails
/// closed; both refuse while the primary is down; the store that does not wait serves again once the replica is
/// promoted, the one that waits only once the promoted primary has a replica again (it refuses, naming the missing
/// replicas, in between), both without a new store; and no nonce the waiting store acknowledged is accepted again.
/// </summary>
internal static class FailoverUnderTraffic
{
    // A liveness bound (a test fails instead of hanging), not a speed requirement: the machine may be loaded.
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    // How long the waiting store waits for a replica: long enough that a slow machine's replica acknowledges in time
    // (WAIT returns as soon as it does), short enough that the refusals while no replica is there come quickly.
    public static readonly TimeSpan AcknowledgementTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The steps of the failover, for the deployment at hand.</summary>
    /// <param name="Kill">Kills the tenant's primary.</param>
    /// <param name="WaitForPromotion">Returns once a replica has been promoted in its place.</param>
    /// <param name="BringBackAsReplica">Starts the former primary again and waits until it replicates the promoted one.</param>
    public sealed record Steps(Func<Task> Kill, Func<Task> WaitForPromotion, Func<Task> BringBackAsReplica);

    /// <summary>Runs the failover; returns a summary line (how many nonces the store that does not wait lost).</summary>
    public static async Task<string> RunAsync(RedisStoreOptions options, string tenant, Steps steps)
    {
        await using var unwaited = new RedisStateStore(options with { ReplicaAcknowledgements = 0, ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200) });
        await using var waited = new RedisStateStore(options with { ReplicaAcknowledgementTimeout = AcknowledgementTimeout, ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200) });
        await waited.PingAsync();
        await unwaited.PingAsync();
        await using var traffic = new AdmissionTraffic(waited, tenant);
        await using var unwaitedTraffic = new AdmissionTraffic(unwaited, tenant);
        await WhenAsync(() => traffic.Acknowledged.Count >= 20 && unwaitedTraffic.Acknowledged.Count >= 20, "no traffic before the kill", traffic, unwaitedTraffic);

        await steps.Kill();
        var killed = TimeProvider.System.GetTimestamp();
        // The waiting store refuses until a replica is back; the other only until the promotion, which a fast machine
        // completes within about two node timeouts: one refusal of it shows it failed closed (a call in flight at the
        // kill may take up to the command timeout to fail, by when the replica may be serving).
        await WhenAsync(() => traffic.RefusedAfter(killed) >= 8 && unwaitedTraffic.RefusedAfter(killed) >= 1, "nothing was refused after the kill", traffic, unwaitedTraffic);
        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await waited.PingAsync());

        // Promoted: the store that does not wait serves again; the one that waits refuses every write, for the promoted
        // primary has no replica left to acknowledge it, until one is back.
        await steps.WaitForPromotion();
        var promoted = TimeProvider.System.GetTimestamp();
        await WhenAsync(() => unwaitedTraffic.AcknowledgedAfter(promoted) >= 8, "the store did not recover after the promotion", traffic, unwaitedTraffic);
        await WhenAsync(() => traffic.Refused.Count(r => r.At > promoted && r.Error.Message.Contains("replicas required", StringComparison.Ordinal)) >= 4, "the promoted primary's missing replica refused nothing", traffic, unwaitedTraffic);
        Assert.Equal(0, traffic.AcknowledgedAfter(promoted));
        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await waited.PingAsync());

        // The former primary back, as the promoted one's replica: the same store serves again, no restart.
        await steps.BringBackAsReplica();
        var healed = TimeProvider.System.GetTimestamp();
        await WhenAsync(() => traffic.AcknowledgedAfter(healed) >= 8, "the store that waits did not recover once a replica was back", traffic, unwaitedTraffic);
        await waited.PingAsync();
        await traffic.DisposeAsync();
        await unwaitedTraffic.DisposeAsync();

        Assert.Empty(traffic.Unexpected);
        Assert.Empty(unwaitedTraffic.Unexpected);

        // Every nonce the waiting store acknowledged, before or after the failover, is spent on the promoted primary.
        foreach (var (nonce, _) in traffic.Acknowledged)
        {
            Assert.False((await waited.AdmitAsync(AdmissionTraffic.Request(tenant, nonce))).NonceFresh, $"nonce {nonce} was accepted twice");
        }

        // The store that does not wait may lose what the killed primary had not yet streamed to its replica; nothing it
        // acknowledged once the replica was promoted (a former primary coming back must not take writes).
        var lost = 0;
        foreach (var (nonce, at) in unwaitedTraffic.Acknowledged)
        {
            if ((await waited.AdmitAsync(AdmissionTraffic.Request(tenant, nonce))).NonceFresh)
            {
                lost++;
                Assert.True(at < promoted, $"nonce {nonce}, acknowledged after the promotion, was lost");
            }
        }

        var down = Stopwatch.GetElapsedTime(killed, promoted);
        var unwaitedRefusedWhileDown = unwaitedTraffic.Refused.Count(r => r.At > killed && r.At <= promoted);
        return $"waited: {traffic.Acknowledged.Count} acknowledged, none lost; unwaited: {unwaitedTraffic.Acknowledged.Count} acknowledged, " +
            $"{unwaitedRefusedWhileDown} refused in the {down.TotalSeconds:0.0} s from the kill to the promotion, {lost} lost in the failover";
    }

    public static Task WhenAsync(Func<bool> condition, string failure) =>
        Eventually.HoldsAsync(condition, Deadline, failure);

    private static Task WhenAsync(Func<bool> condition, string failure, AdmissionTraffic waited, AdmissionTraffic unwaited) =>
        Eventually.HoldsAsync(condition, Deadline, () => $"{failure}; {Counts(waited, unwaited)}");

    // The traffic's counts so far, for a failure message.
    private static string Counts(AdmissionTraffic waited, AdmissionTraffic unwaited) =>
        $"waited: {waited.Acknowledged.Count} acknowledged, {waited.Refused.Count} refused (last: {waited.Refused.LastOrDefault().Error?.Message}); " +
        $"unwaited: {unwaited.Acknowledged.Count} acknowledged, {unwaited.Refused.Count} refused (last: {unwaited.Refused.LastOrDefault().Error?.Message})";
}
