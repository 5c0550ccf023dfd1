using Gateway.Oversight.Approvals;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

/// <summary>
/// A revocation and a redemption meet at the warrant's one use in every approval store (a key on Redis and the embedded
/// store, a <c>warrant_uses</c> row on PostgreSQL): whichever takes it first wins, never both, and the use says which took
/// it, so that a second revocation answers as the first did.
/// </summary>
public abstract class ApprovalRevocationRaceContract
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>A store over the implementation under test.</summary>
    protected abstract Task<IApprovalStore> StoreAsync();

    [Fact]
    public async Task RedeemWarrant_RevokedBetweenItsChecksAndItsUse_IsRefusedRevoked()
    {
        var store = new HeldFirstUse(await StoreAsync());
        var service = TestOversight.Approvals(store);
        var (tenant, id, warrant) = await ApprovedAsync(service);
        store.Hold = true;

        var redeeming = service.RedeemWarrantAsync(Presented(tenant, warrant)).AsTask();
        await store.Reached.Task.WaitAsync(Bound);
        var revoked = await service.RevokeAsync(tenant, id, "bob");
        store.Release.SetResult();
        var redemption = await redeeming.WaitAsync(Bound);

        Assert.True(revoked.Succeeded, revoked.Code);
        Assert.Equal(WarrantReasons.Revoked, redemption.Reason);
    }

    [Fact]
    public async Task Revoke_AfterTheWarrantWasUsed_SaysItWasAlreadyCarriedOut()
    {
        var store = await StoreAsync();
        var service = TestOversight.Approvals(store);
        var (tenant, id, warrant) = await ApprovedAsync(service);
        Assert.True((await service.RedeemWarrantAsync(Presented(tenant, warrant))).Redeemed);

        var revoked = await service.RevokeAsync(tenant, id, "bob");

        Assert.Equal(ApprovalErrorCodes.AlreadyUsed, revoked.Code);
        Assert.Equal(ApprovalStatus.Approved, revoked.Request!.Status);
        // Its decision tokens are void all the same: the mark they are verified against is written.
        Assert.True(await service.IsRevokedAsync(tenant, id, CancellationToken.None));
        Assert.Equal(WarrantUse.Redeemed, await store.GetWarrantUseAsync(tenant, id));
    }

    [Fact]
    public async Task Revoke_SecondWhileTheFirstHasJustTakenTheUse_AnswersAsTheFirst()
    {
        var store = new HeldFirstUse(await StoreAsync()) { After = true };
        var service = TestOversight.Approvals(store);
        var (tenant, id, _) = await ApprovedAsync(service);
        store.Hold = true;

        var first = service.RevokeAsync(tenant, id, "bob").AsTask();
        await store.Reached.Task.WaitAsync(Bound);
        var second = await service.RevokeAsync(tenant, id, "alice");
        store.Release.SetResult();
        var firstAnswer = await first.WaitAsync(Bound);

        Assert.True(firstAnswer.Succeeded, firstAnswer.Code);
        Assert.True(second.Succeeded, second.Code);
        Assert.Equal(WarrantUse.Voided, await store.GetWarrantUseAsync(tenant, id));
    }

    [Fact]
    public async Task Revoke_ByNewReleaseThenReadAsThePreviousReleaseReads_IsVoidedUnused()
    {
        var store = await StoreAsync();
        var state = new InMemoryStateStore();
        var service = TestOversight.Approvals(store, state: state);
        var (tenant, id, _) = await ApprovedAsync(service);

        var revoked = await service.RevokeAsync(tenant, id, "bob");

        // The previous release tells a revocation that took the use unused by the suffix on the mark (its RevokedAgainAsync
        // and lookback); without it, a retried revocation on such a replica answers approval_already_used.
        var mark = await state.GetAsync(StoreKeys.ApprovalRevoked(tenant, id));
        Assert.True(revoked.Succeeded, revoked.Code);
        Assert.Equal("bob\nwarrant-voided-unused", mark);
        Assert.False(await service.CarriedOutAsync(tenant, id, CancellationToken.None));
    }

    private static async Task<(string Tenant, string Id, string Warrant)> ApprovedAsync(ApprovalService service)
    {
        var tenant = Backends.NewTenant();
        var request = await service.CreateAsync(tenant, "agent-1", "payments.refund", "intent-1", "policy-1", null, null, ["alice", "bob"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5));
        await service.ApproveAsync(tenant, request.Id, new ApprovalVoter("bob", "minter-of-bob"));
        return (tenant, request.Id, (await service.PollAsync(tenant, "agent-1", request.Id))!.Warrant!);
    }

    private static WarrantPresentation Presented(string tenant, string warrant) => new(tenant, "agent-1", "intent-1", "policy-1", warrant);

    /// <summary>
    /// The store, whose first warrant use while <see cref="Hold"/> waits at <see cref="Reached"/> for <see cref="Release"/>:
    /// before it is written, or (<see cref="After"/>) once it is.
    /// </summary>
    private sealed class HeldFirstUse(IApprovalStore inner) : IApprovalStore
    {
        private int _held;

        public bool Hold { get; set; }

        public bool After { get; init; }

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            HeldAsync(() => inner.TryUseWarrantAsync(tenant, approvalId, lifetime, cancellationToken));

        public ValueTask<bool> TryVoidWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            HeldAsync(() => inner.TryVoidWarrantAsync(tenant, approvalId, lifetime, cancellationToken));

        public ValueTask<WarrantUse> GetWarrantUseAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) =>
            inner.GetWarrantUseAsync(tenant, approvalId, cancellationToken);

        public ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default) => inner.TryCreateAsync(request, lifetime, cancellationToken);

        public ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetAsync(tenant, id, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListRecentAsync(string tenant, int window, CancellationToken cancellationToken = default) => inner.ListRecentAsync(tenant, window, cancellationToken);

        public ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, ApprovalVoter voter, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            inner.AddVoteAsync(tenant, id, voter, lifetime, cancellationToken);

        public ValueTask<IReadOnlyList<string>> GetVotersAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetVotersAsync(tenant, id, cancellationToken);

        public ValueTask<ApprovalOutcomeDocument?> GetOutcomeAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetOutcomeAsync(tenant, id, cancellationToken);

        public ValueTask<bool> TrySettleAsync(string tenant, string id, ApprovalOutcomeDocument outcome, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            inner.TrySettleAsync(tenant, id, outcome, lifetime, cancellationToken);

        public ValueTask<bool> IsWarrantUsedAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) => inner.IsWarrantUsedAsync(tenant, approvalId, cancellationToken);

        private async ValueTask<bool> HeldAsync(Func<ValueTask<bool>> use)
        {
            var held = Hold && Interlocked.Exchange(ref _held, 1) == 0;
            if (held && !After)
            {
                Reached.SetResult();
                await Release.Task;
            }

            var taken = await use();
            if (held && After)
            {
                Reached.SetResult();
                await Release.Task;
            }

            return taken;
        }
    }
}

public sealed class InMemoryApprovalRevocationRaceTests : ApprovalRevocationRaceContract
{
    protected override Task<IApprovalStore> StoreAsync() => Task.FromResult<IApprovalStore>(new StateStoreApprovalStore(new InMemoryStateStore()));
}

public sealed class RedisApprovalRevocationRaceTests : ApprovalRevocationRaceContract
{
    protected override async Task<IApprovalStore> StoreAsync() => new StateStoreApprovalStore(await Backends.RedisAsync());
}

public sealed class PostgresApprovalRevocationRaceTests : ApprovalRevocationRaceContract
{
    private readonly PostgresReplicas _replicas = new();

    protected override async Task<IApprovalStore> StoreAsync() => new PostgresApprovalStore(await _replicas.NextAsync());
}
