using Gateway.Store.Resp;

namespace Gateway.Store.Tests;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void DelayFor_SuccessiveAttempts_GrowsExponentiallyWithJitterUpToTheCap()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), new Random(7));

        for (var attempt = 1; attempt <= 40; attempt++)
        {
            var ceiling = Math.Min(2000, 50 * Math.Pow(2, Math.Min(attempt - 1, 30)));
            Assert.InRange(backoff.DelayFor(attempt).TotalMilliseconds, ceiling / 2, ceiling);
        }

        var capped = Enumerable.Range(0, 50).Select(_ => backoff.DelayFor(20).TotalMilliseconds).ToArray();
        Assert.True(capped.Distinct().Count() > 1, "Delays carry no jitter.");
    }
}
