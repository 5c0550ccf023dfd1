using Xunit.Abstractions;

namespace Gateway.Store.Tests;

/// <summary>
/// The primary behind Sentinel killed under traffic (<see cref="FailoverUnderTraffic"/>): refused while it is down and
/// while the sentinels move it (never a write to the replica, never a read of its copy), then the store follows the
/// promoted primary without a restart, and no nonce acknowledged with the replica's acknowledgement is accepted twice.
/// </summary>
public sealed class RedisSentinelFailoverTests(RedisSentinelStoreFixture fixture, ITestOutputHelper output) : IClassFixture<RedisSentinelStoreFixture>
{
    [Fact]
    public async Task Admit_SentinelPrimaryKilledUnderTraffic_FailsClosedThenFollowsThePromotedPrimaryAndNoNonceIsAcceptedTwice()
    {
        var set = fixture.Deployment;
        var primary = await set.PrimaryAsync();
        try
        {
            output.WriteLine(await FailoverUnderTraffic.RunAsync(fixture.StoreOptions(set), "sentinel-" + Guid.NewGuid().ToString("N")[..8], new(
                Kill: primary.KillAsync,
                WaitForPromotion: () => set.WaitForPromotionAsync(primary, FailoverUnderTraffic.Deadline),
                BringBackAsReplica: async () =>
                {
                    // The sentinels turn the former primary into a replica of the promoted one.
                    await primary.StartAsync();
                    await set.WaitUntilHealthyAsync(FailoverUnderTraffic.Deadline);
                })));
        }
        finally
        {
            if (!primary.IsRunning)
            {
                await primary.StartAsync();
            }

            await set.WaitUntilHealthyAsync(FailoverUnderTraffic.Deadline);
        }
    }
}
