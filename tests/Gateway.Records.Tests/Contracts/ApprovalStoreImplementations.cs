using Gateway.Oversight.Approvals;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

public sealed class InMemoryApprovalStoreTests : ApprovalStoreContract
{
    private readonly InMemoryStateStore _shared = new();

    protected override Task<IApprovalStore> StoreAsync() => Task.FromResult<IApprovalStore>(new StateStoreApprovalStore(_shared));
}

public sealed class RedisApprovalStoreTests : ApprovalStoreContract
{
    protected override async Task<IApprovalStore> StoreAsync() => new StateStoreApprovalStore(await Backends.RedisAsync());
}

public sealed class PostgresApprovalStoreTests : ApprovalStoreContract
{
    private readonly PostgresReplicas _replicas = new();

    protected override async Task<IApprovalStore> StoreAsync() => new PostgresApprovalStore(await _replicas.NextAsync());
}
