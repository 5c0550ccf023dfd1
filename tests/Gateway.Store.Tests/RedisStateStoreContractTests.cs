namespace Gateway.Store.Tests;

/// <summary>The contract against <see cref="RedisStateStore"/> on a real redis-server.</summary>
public sealed class RedisStateStoreContractTests(RedisStoreFixture fixture) : StateStoreContractTests, IClassFixture<RedisStoreFixture>
{
    protected override IStateStore Store => fixture.Store;
}
