namespace Gateway.Store.Tests;

/// <summary>The cluster and Sentinel settings of <see cref="RedisStoreOptions"/>: what each topology needs, and its defaults (binding: <see cref="RedisStoreOptionsTests"/>).</summary>
public sealed class RedisTopologyOptionsTests
{
    [Fact]
    public void Validate_ClusterSeedList_NoErrors()
    {
        Assert.Empty(new RedisStoreOptions { Topology = RedisTopology.Cluster, Endpoints = ["redis-0:6379", "redis-1:6379", "[::1]:6380"] }.Validate());
    }

    [Fact]
    public void Validate_SentinelWithServiceName_NoErrors()
    {
        Assert.Empty(new RedisStoreOptions
        {
            Topology = RedisTopology.Sentinel,
            Endpoints = ["sentinel-0:26379", "sentinel-1:26379", "sentinel-2:26379"],
            ServiceName = "gateway",
            SentinelUser = "watcher",
            SentinelPassword = "watch",
        }.Validate());
    }

    [Fact]
    public void Validate_EveryTopologyMistake_ReportsEachOne()
    {
        var errors = new RedisStoreOptions
        {
            Topology = RedisTopology.Cluster,
            Endpoints = ["a:1", "no-port", "a:1"],
            Database = 3,
            ServiceName = "gateway",
            SentinelUser = "watcher",
            ReplicaAcknowledgements = 17,
            ReplicaAcknowledgementTimeout = TimeSpan.FromSeconds(5),
        }.Validate();

        Assert.Contains(errors, e => e.Contains("'no-port'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("more than once", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Database must be 0 with Topology Cluster", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("need Topology Sentinel", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("SentinelPassword is not", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ReplicaAcknowledgements must be from 0 to 16", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("must not exceed CommandTimeout", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
    }

    [Fact]
    public void Validate_SentinelWithoutServiceName_Rejected()
    {
        var error = Assert.Single(new RedisStoreOptions { Topology = RedisTopology.Sentinel, Endpoints = ["s:26379"] }.Validate());

        Assert.Contains("ServiceName is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_StandaloneWithSeveralEndpoints_RejectedNamingTheOtherTopologies()
    {
        var error = Assert.Single(new RedisStoreOptions { Endpoints = ["a:1", "b:2"] }.Validate());

        Assert.Contains("set Topology to Cluster", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone, 0)]
    [InlineData(RedisTopology.Cluster, 1)]
    [InlineData(RedisTopology.Sentinel, 1)]
    public void RequiredReplicaAcknowledgements_Unset_FollowsTheTopology(RedisTopology topology, int expected)
    {
        Assert.Equal(expected, new RedisStoreOptions { Topology = topology }.RequiredReplicaAcknowledgements);
        Assert.Equal(2, new RedisStoreOptions { Topology = topology, ReplicaAcknowledgements = 2 }.RequiredReplicaAcknowledgements);
    }

    [Fact]
    public void ConfiguredEndpoints_EndpointsWhenSetElseTheOneEndpoint()
    {
        Assert.Equal(["127.0.0.1:6379"], new RedisStoreOptions().ConfiguredEndpoints);
        Assert.Equal(["a:1", "b:2"], new RedisStoreOptions { Endpoint = "ignored:1", Endpoints = ["a:1", "b:2"] }.ConfiguredEndpoints);
    }

    [Fact]
    public void ToString_WithSentinelPassword_NeverPrintsEitherPassword()
    {
        var text = new RedisStoreOptions { Topology = RedisTopology.Sentinel, ServiceName = "s", Password = "data-secret", SentinelUser = "w", SentinelPassword = "sentinel-secret" }.ToString();

        Assert.DoesNotContain("data-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sentinel-secret", text, StringComparison.Ordinal);
        Assert.Contains("SentinelPassword = ***", text, StringComparison.Ordinal);
    }
}
