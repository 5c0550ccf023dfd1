namespace Gateway.Store.Tests;

public sealed partial class RedisAdmissionBatchTests
{
    [Fact]
    public async Task AdmitAsync_BatchRefusedByItsSecondWindow_CountsOnlyTheAdmittedInTheFirst()
    {
        const int requests = 12;
        await using var store = await StoreAsync(batch: true);
        var first = new RateLimitWindow(_prefix + "first", 10, Day, 2);
        var second = new RateLimitWindow(_prefix + "second", 3, Day);

        // One batch over two shared windows: the second admits three, and each request it refuses has already been
        // counted in the first, and is taken off it again.
        var outcomes = await AdmitWhileHeldAsync(store, [.. Enumerable.Range(0, requests).Select(_ => Fresh([first, second]))]);

        Assert.Equal(3, outcomes.Count(o => o.RateLimit.Admitted));
        Assert.All(outcomes.Where(o => !o.RateLimit.Admitted), o => Assert.Equal(1, o.RateLimit.RefusedIndex));

        // The first window holds the three admitted requests' six permits: two more fit, a third does not.
        Assert.True((await store.AdmitAsync(Fresh([first]))).RateLimit.Admitted);
        Assert.True((await store.AdmitAsync(Fresh([first]))).RateLimit.Admitted);
        Assert.False((await store.AdmitAsync(Fresh([first]))).RateLimit.Admitted);
    }
}
