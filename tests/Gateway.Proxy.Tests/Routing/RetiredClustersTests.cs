using Gateway.Proxy.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Tests.Routing;

/// <summary>A cluster a reload left out stays for its lifetime after the first reload that left it out, then goes.</summary>
public sealed class RetiredClustersTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    private static readonly ClusterConfig[] Previous = [new() { ClusterId = "acme/crm@aaaa" }, new() { ClusterId = "acme/crm@bbbb" }];

    [Fact]
    public void Kept_LeftOutByAReload_KeptSinceThen()
    {
        var kept = RetiredClusters.Kept(Previous, new Dictionary<string, DateTimeOffset>(), Current("acme/crm@bbbb"), Start);

        Assert.Equal(Start, Assert.Single(kept, pair => pair.Key == "acme/crm@aaaa").Value);
        Assert.Single(kept);
    }

    [Fact]
    public void Kept_LeftOutAgainByLaterReloadsWithinItsLifetime_KeptFromTheFirst()
    {
        var first = RetiredClusters.Kept(Previous, new Dictionary<string, DateTimeOffset>(), Current("acme/crm@bbbb"), Start);

        var second = RetiredClusters.Kept(Previous, first, Current("acme/crm@bbbb"), Start + RetiredClusters.Lifetime - TimeSpan.FromSeconds(1));

        Assert.Equal(Start, second["acme/crm@aaaa"]);
    }

    [Fact]
    public void Kept_PastItsLifetime_Dropped()
    {
        var first = RetiredClusters.Kept(Previous, new Dictionary<string, DateTimeOffset>(), Current("acme/crm@bbbb"), Start);

        Assert.Empty(RetiredClusters.Kept(Previous, first, Current("acme/crm@bbbb"), Start + RetiredClusters.Lifetime));
    }

    [Fact]
    public void Kept_BackInTheCurrentPolicy_NotRetired()
    {
        var first = RetiredClusters.Kept(Previous, new Dictionary<string, DateTimeOffset>(), Current("acme/crm@bbbb"), Start);

        Assert.Empty(RetiredClusters.Kept(Previous, first, Current("acme/crm@aaaa", "acme/crm@bbbb"), Start));
    }

    private static HashSet<string> Current(params string[] ids) => new(ids, StringComparer.OrdinalIgnoreCase);
}
