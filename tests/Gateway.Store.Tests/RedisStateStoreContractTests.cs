namespace Gateway.Store.Tests;

/// <summary>The contract against <see cref="RedisStateStore"/> on a real redis-server, admissions batched (the default).</summary>
public sealed class RedisStateStoreContractTests(RedisStoreFixture fixture) : StateStoreContractTests, IClassFixture<RedisStoreFixture>
{
    protected override IStateStore Store => fixture.Store;
}

/// <summary>The contract against <see cref="RedisStateStore"/> with admission and budget batching off (one script run per admission, reservation and settle).</summary>
public sealed class UnbatchedRedisStateStoreContractTests(UnbatchedRedisStoreFixture fixture) : StateStoreContractTests, IClassFixture<UnbatchedRedisStoreFixture>
{
    protected override IStateStore Store => fixture.Store;
}

/// <summary>The contract against <see cref="RedisStateStore"/> with one admission script run per request, its budget reserved in that run.</summary>
public sealed class PerRequestAdmissionRedisStateStoreContractTests(PerRequestAdmissionRedisStoreFixture fixture) : StateStoreContractTests, IClassFixture<PerRequestAdmissionRedisStoreFixture>
{
    protected override IStateStore Store => fixture.Store;
}

/// <summary>
/// The contract against <see cref="RedisStateStore"/> on a real Redis Cluster (three primaries, three replicas): every
/// operation's keys share one hash slot (a cross-slot call would fail here), and every write waits for its replica.
/// </summary>
public sealed class RedisClusterStateStoreContractTests(RedisClusterStoreFixture fixture) : StateStoreContractTests, IClassFixture<RedisClusterStoreFixture>
{
    protected override IStateStore Store => fixture.Store;
}

/// <summary>The contract against <see cref="RedisStateStore"/> finding its primary through three sentinels, every write waiting for the replica.</summary>
public sealed class RedisSentinelStateStoreContractTests(RedisSentinelStoreFixture fixture) : StateStoreContractTests, IClassFixture<RedisSentinelStoreFixture>
{
    protected override IStateStore Store => fixture.Store;
}
