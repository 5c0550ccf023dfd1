using Gateway.Oversight.Agents;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Gateway.Testing.Stores;

namespace Gateway.Oversight.Tests.Agents;

/// <summary>Kill switches, run against every store; the second service stands for another replica.</summary>
public abstract class AgentStatusServiceTests
{
    protected ManualTimeProvider Time { get; } = new();

    protected string Tenant { get; } = TestServices.NewTenant();

    protected abstract IStateStore Store { get; }

    protected abstract IStateStore SecondStore { get; }

    [Fact]
    public async Task SuspendAsync_OnOneInstance_IsVisibleOnAnother()
    {
        var replicaA = TestServices.Agents(Store, Time);
        var replicaB = TestServices.Agents(SecondStore, Time);
        Assert.Equal(AgentStatus.Normal, await replicaB.GetAsync(Tenant, "agent-1"));

        await replicaA.SuspendAsync(Tenant, "agent-1", "ops");

        Assert.Equal(new AgentStatus(true, false), await replicaB.GetAsync(Tenant, "agent-1"));
        Assert.Equal(AgentStatus.Normal, await replicaB.GetAsync(Tenant, "agent-2"));
    }

    [Fact]
    public async Task RevokeSecretAndSuspend_ConcurrentlyOnTwoInstances_BothStick()
    {
        var replicaA = TestServices.Agents(Store, Time);
        var replicaB = TestServices.Agents(SecondStore, Time);

        await Task.WhenAll(replicaA.SuspendAsync(Tenant, "agent-1", "ops").AsTask(), replicaB.RevokeSecretAsync(Tenant, "agent-1", "sec").AsTask());

        Assert.Equal(new AgentStatus(true, true), await replicaA.GetAsync(Tenant, "agent-1"));
    }

    [Fact]
    public async Task ResumeAndRestoreSecret_AfterBoth_ReturnToNormal()
    {
        var service = TestServices.Agents(Store, Time);
        await service.SuspendAsync(Tenant, "agent-1", "ops");
        await service.RevokeSecretAsync(Tenant, "agent-1", "ops");

        await service.ResumeAsync(Tenant, "agent-1", "ops");
        Assert.Equal(new AgentStatus(false, true), await TestServices.Agents(SecondStore, Time).GetAsync(Tenant, "agent-1"));
        await service.RestoreSecretAsync(Tenant, "agent-1", "ops");

        Assert.Equal(AgentStatus.Normal, await TestServices.Agents(SecondStore, Time).GetAsync(Tenant, "agent-1"));
    }
}

public sealed class AgentStatusServiceInMemoryTests : AgentStatusServiceTests
{
    public AgentStatusServiceInMemoryTests()
    {
        Store = new InMemoryStateStore(Time);
    }

    protected override IStateStore Store { get; }

    protected override IStateStore SecondStore => Store;
}

public sealed class AgentStatusServiceRedisTests(RedisFixture redis) : AgentStatusServiceTests, IClassFixture<RedisFixture>
{
    protected override IStateStore Store { get; } = redis.Connect();

    protected override IStateStore SecondStore { get; } = redis.Connect();
}
