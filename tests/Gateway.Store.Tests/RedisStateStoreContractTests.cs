namespace Gateway.Store.Tests;

/// <summary>The contract against <see cref="RedisStateStore"/> on a real redis-server, admissions batched (the default).</summary>
public sealed class RedisStateStoreContractTests(RedisStoreFixture fixture) : StateStoreContractTests, IClassFixture<RedisStoreFixture>
{
    protected override IStateStore Store => fixture.Store;
}

/// <summary>The contract against <see cref="RedisStateStore"/> with admission batching off (one script run per admission).</summary>
public sealed class UnbatchedRedisStateStoreContractTests(UnbatchedRedisStoreFixture fixture) : StateStoreContractTests, IClassFixture<UnbatchedRedisStoreFixture>
{
    protected override IStateStore Store => fixture.Store;
}
