using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>A real Redis deployment of several servers and one <see cref="RedisStateStore"/> on it, shared by a test class.</summary>
/// <typeparam name="TDeployment">The deployment (<see cref="RedisCluster"/>, <see cref="RedisSentinelSet"/>).</typeparam>
public abstract class RedisDeploymentStoreFixture<TDeployment> : IAsyncLifetime
    where TDeployment : class, IAsyncDisposable
{
    private TDeployment? _deployment;
    private RedisStateStore? _store;

    public TDeployment Deployment => _deployment ?? throw new InvalidOperationException("Not started.");

    public RedisStateStore Store => _store ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _deployment = await StartAsync();
        _store = new RedisStateStore(StoreOptions(_deployment));

        // Ready when a write is acknowledged by the replicas: a replica that has just synced may not acknowledge the first
        // one in time on a loaded machine (the full suite once saw WAIT answer 0 within 2 s right after start).
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    await _store.PingAsync();
                    return true;
                }
                catch (StateStoreUnavailableException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "the deployment never acknowledged a write with its replicas");
    }

    /// <summary>Options for a store on <paramref name="deployment"/> with the topology's defaults (every write waits for a replica).</summary>
    public abstract RedisStoreOptions StoreOptions(TDeployment deployment);

    protected abstract Task<TDeployment> StartAsync();

    /// <summary>Timeouts that hold on a loaded machine, a replica's acknowledgement included.</summary>
    protected static RedisStoreOptions Patient(RedisStoreOptions options) => options with
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        CommandTimeout = TimeSpan.FromSeconds(10),
        ReplicaAcknowledgementTimeout = TimeSpan.FromSeconds(5),
    };

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_deployment is not null)
        {
            await _deployment.DisposeAsync();
        }
    }
}

/// <summary>A real Redis Cluster (three primaries, three replicas) and a store on it.</summary>
public sealed class RedisClusterStoreFixture : RedisDeploymentStoreFixture<RedisCluster>
{
    public override RedisStoreOptions StoreOptions(RedisCluster deployment) =>
        Patient(new RedisStoreOptions { Topology = RedisTopology.Cluster, Endpoints = [.. deployment.Seeds] });

    protected override Task<RedisCluster> StartAsync() => RedisCluster.StartAsync();
}

/// <summary>A real Sentinel setup (a primary, a replica, three sentinels) and a store that finds the primary through the sentinels.</summary>
public sealed class RedisSentinelStoreFixture : RedisDeploymentStoreFixture<RedisSentinelSet>
{
    public override RedisStoreOptions StoreOptions(RedisSentinelSet deployment) =>
        Patient(new RedisStoreOptions { Topology = RedisTopology.Sentinel, Endpoints = [.. deployment.SentinelEndpoints], ServiceName = RedisSentinelSet.ServiceName });

    protected override Task<RedisSentinelSet> StartAsync() => RedisSentinelSet.StartAsync();
}
