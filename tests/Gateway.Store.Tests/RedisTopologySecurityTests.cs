using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Store.Tests;

/// <summary>
/// TLS and an ACL user on a Redis Cluster and behind Sentinel: the store reaches every primary over TLS (cluster bus and
/// replication over TLS too), authenticates as a user whose keys are limited to the gateway's prefixes, and behind
/// Sentinel presents the sentinels' own password to them. Skipped, with the reason, where redis-server lacks TLS.
/// </summary>
public sealed class RedisTopologySecurityTests : IDisposable
{
    private const string User = "gateway";
    private const string UserPassword = "gw-acl-pass";
    private readonly SelfSignedTlsFiles? _tls = RedisTlsSupport.UnsupportedReason is null ? SelfSignedTlsFiles.Create() : null;

    private RedisTestSecurity Security => new()
    {
        Tls = _tls,
        User = User,
        UserPassword = UserPassword,
        UserRules = "~gw:* ~oauth:* ~console:* &* +@all -@dangerous +info +cluster|nodes +cluster|slots +cluster|shards",
        SentinelPassword = "sentinel-secret",
    };

    [RedisTlsFact]
    public async Task Store_ClusterOverTlsAsAclUser_ServesEveryShardAndOnlyItsKeys()
    {
        await using var cluster = await RedisCluster.StartAsync(primaries: 3, replicasPerPrimary: 0, Security);
        await using var store = new RedisStateStore(Secured(new RedisStoreOptions
        {
            Topology = RedisTopology.Cluster,
            Endpoints = [.. cluster.Seeds],

            // No replicas in this cluster: nothing to wait for.
            ReplicaAcknowledgements = 0,
        }));

        await store.PingAsync();
        await AssertServesAsync(store, cluster.Primaries);
    }

    [RedisTlsFact]
    public async Task Store_SentinelOverTlsAsAclUserWithSentinelPassword_ServesAndWaitsForTheReplica()
    {
        await using var set = await RedisSentinelSet.StartAsync(Security);
        await using var store = new RedisStateStore(Secured(BehindSentinels(set, "sentinel-secret")));

        await store.PingAsync();
        await AssertServesAsync(store, shards: 1);
    }

    [RedisTlsFact]
    public async Task Store_SentinelWithWrongSentinelPassword_FailsUnavailableNamingNoPassword()
    {
        await using var set = await RedisSentinelSet.StartAsync(Security);
        await using var store = new RedisStateStore(Secured(BehindSentinels(set, "not-the-sentinel-secret") with { ConnectTimeout = TimeSpan.FromSeconds(2) }));

        var error = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.PingAsync());

        Assert.Contains("has no primary to use", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-sentinel-secret", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(UserPassword, error.ToString(), StringComparison.Ordinal);
    }

    private static RedisStoreOptions BehindSentinels(RedisSentinelSet set, string sentinelPassword) => new()
    {
        Topology = RedisTopology.Sentinel,
        Endpoints = [.. set.SentinelEndpoints],
        ServiceName = RedisSentinelSet.ServiceName,
        SentinelPassword = sentinelPassword,
    };

    private RedisStoreOptions Secured(RedisStoreOptions options) => options with
    {
        UseTls = true,
        TlsServerName = "localhost",
        CaCertificatePath = _tls!.CertificatePath,
        User = User,
        Password = UserPassword,
        ConnectTimeout = options.ConnectTimeout == new RedisStoreOptions().ConnectTimeout ? TimeSpan.FromSeconds(10) : options.ConnectTimeout,
        CommandTimeout = TimeSpan.FromSeconds(5),
        ReplicaAcknowledgementTimeout = TimeSpan.FromSeconds(2),
    };

    // Admissions, log appends and reads for tenants spread over the shards; a key outside the user's pattern refused.
    private static async Task AssertServesAsync(RedisStateStore store, int shards)
    {
        for (var i = 0; i < 4 * shards; i++)
        {
            var tenant = $"secure-{i}-{Guid.NewGuid():N}";
            var outcome = await store.AdmitAsync(AdmissionTraffic.Request(tenant, "n"));
            Assert.True(outcome.NonceFresh);
            Assert.True(await store.TryAppendAsync(StoreKeys.AuditLog(tenant, "replica-0"), 0, "entry"));
            Assert.Equal(["entry"], await store.ReadLogAsync(StoreKeys.AuditLog(tenant, "replica-0"), 0, 10));
        }

        var denied = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.SetAsync("{other}:key", "x", null));
        Assert.Contains("NOPERM", denied.Message, StringComparison.Ordinal);
        Assert.IsType<RedisServerException>(denied.InnerException);
    }

    public void Dispose() => _tls?.Dispose();
}
