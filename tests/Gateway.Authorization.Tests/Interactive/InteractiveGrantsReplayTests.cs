using Gateway.Authorization.Interactive;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A refresh token or code presented twice at once: the second, landing while the first is between its take and its
/// answer, still finds the token used and revokes the family, so neither the first redemption nor anything it gave works.
/// </summary>
public sealed class InteractiveGrantsReplayTests
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RedeemRefreshTokenAsync_ReplayWhileTheFirstIsBetweenItsTakeAndItsAnswer_RevokesTheFamily()
    {
        var (store, gate) = GatedTakeStore.Wrap(new InMemoryStateStore(_clock), "oauth:refresh:");
        var grants = new InteractiveGrants(store, _clock);
        var (grant, token) = await IssueAsync(grants);

        var first = grants.RedeemRefreshTokenAsync(token, CancellationToken.None).AsTask();
        await gate.Taken.Task;
        var replay = await grants.RedeemRefreshTokenAsync(token, CancellationToken.None);
        gate.Release.SetResult();
        var redeemed = await first;

        Assert.Null(replay);
        Assert.False(await grants.IsFamilyLiveAsync(grant.Family, CancellationToken.None));
        // Whatever the first redemption gave (a rotated refresh token, an access token checked against its family) is refused.
        var rotated = await grants.IssueRefreshTokenAsync(redeemed ?? grant, CancellationToken.None);
        Assert.Null(await grants.RedeemRefreshTokenAsync(rotated, CancellationToken.None));
    }

    [Fact]
    public async Task RedeemCodeAsync_ReplayWhileTheFirstIsBetweenItsTakeAndItsAnswer_RevokesTheFamily()
    {
        var (store, gate) = GatedTakeStore.Wrap(new InMemoryStateStore(_clock), "oauth:code:");
        var grants = new InteractiveGrants(store, _clock);
        var (grant, _) = await IssueAsync(grants);
        var code = await grants.IssueCodeAsync(grant, CancellationToken.None);

        var first = grants.RedeemCodeAsync(code, CancellationToken.None).AsTask();
        await gate.Taken.Task;
        var replay = await grants.RedeemCodeAsync(code, CancellationToken.None);
        gate.Release.SetResult();
        await first;

        Assert.Null(replay);
        Assert.False(await grants.IsFamilyLiveAsync(grant.Family, CancellationToken.None));
    }

    [Fact]
    public async Task RedeemRefreshTokenAsync_PresentedAgainAfterRotation_RevokesTheFamily()
    {
        var grants = new InteractiveGrants(new InMemoryStateStore(_clock), _clock);
        var (grant, token) = await IssueAsync(grants);

        Assert.NotNull(await grants.RedeemRefreshTokenAsync(token, CancellationToken.None));
        Assert.True(await grants.IsFamilyLiveAsync(grant.Family, CancellationToken.None));
        Assert.Null(await grants.RedeemRefreshTokenAsync(token, CancellationToken.None));

        Assert.False(await grants.IsFamilyLiveAsync(grant.Family, CancellationToken.None));
    }

    private async Task<(InteractiveGrant Grant, string RefreshToken)> IssueAsync(InteractiveGrants grants)
    {
        var ends = _clock.GetUtcNow().AddHours(8);
        var family = await grants.StartFamilyAsync("demo", "https://idp.example", "bob", "ide", ends, CancellationToken.None);
        var grant = new InteractiveGrant("demo", "default", "assistant", "ide", "bob", "https://idp.example", [], "https://gw.example/mcp", family, ends)
        {
            RedirectUri = "http://127.0.0.1/cb",
            CodeChallenge = "challenge",
        };
        return (grant, await grants.IssueRefreshTokenAsync(grant, CancellationToken.None));
    }
}
