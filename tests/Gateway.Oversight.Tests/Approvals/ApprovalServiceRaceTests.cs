using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// A revocation and a redemption of the same warrant meet at the warrant's one use: whichever takes it first wins, never
/// both (the redemption's checks passed before the revocation, its use after it, is refused <c>warrant_revoked</c>; a
/// revocation after the use says the approval was already carried out).
/// </summary>
public sealed class ApprovalServiceRaceTests
{
    private const string Tenant = "demo";
    private const string Agent = "demo-agent";
    private const string Digest = "intent-1";
    private const string Policy = "policy-1";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryStateStore _state;
    private readonly HeldWarrantUse _store;
    private readonly ApprovalService _service;

    public ApprovalServiceRaceTests()
    {
        _state = new InMemoryStateStore(_time);
        _store = new HeldWarrantUse(new StateStoreApprovalStore(_state));
        _service = TestServices.Approvals(_store, _state, _time);
    }

    [Fact]
    public async Task RedeemWarrant_RevokedBetweenItsChecksAndItsUse_IsRefusedRevoked()
    {
        var (id, warrant) = await ApprovedAsync();
        _store.HoldFirstUse();

        var redeeming = _service.RedeemWarrantAsync(Presented(warrant)).AsTask();
        await _store.Reached.Task.WaitAsync(Bound);
        var revoked = await _service.RevokeAsync(Tenant, id, "bob");
        _store.Release.SetResult();
        var redemption = await redeeming.WaitAsync(Bound);

        Assert.True(revoked.Succeeded, revoked.Code);
        Assert.False(redemption.Redeemed);
        Assert.Equal(WarrantReasons.Revoked, redemption.Reason);
    }

    [Fact]
    public async Task Revoke_AfterTheWarrantWasUsed_SaysItWasAlreadyCarriedOut()
    {
        var (id, warrant) = await ApprovedAsync();
        Assert.True((await _service.RedeemWarrantAsync(Presented(warrant))).Redeemed);

        var revoked = await _service.RevokeAsync(Tenant, id, "bob");

        Assert.False(revoked.Succeeded);
        Assert.Equal(ApprovalErrorCodes.AlreadyUsed, revoked.Code);
        Assert.Equal(ApprovalStatus.Approved, revoked.Request!.Status);
        // Its decision tokens are void all the same: the mark they are verified against is written.
        Assert.True(await _service.IsRevokedAsync(Tenant, id, CancellationToken.None));
    }

    [Fact]
    public async Task EarlierAsync_RevokedBeforeItsWarrantWasUsed_IsNotShownAsCarriedOut()
    {
        var (id, _) = await ApprovedAsync();
        Assert.True((await _service.RevokeAsync(Tenant, id, "bob")).Succeeded);
        _time.Advance(TimeSpan.FromSeconds(5));
        var again = await _service.CreateAsync(Tenant, Agent, "payments.refund", Digest, Policy, null, null, ["alice", "bob"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        var lookback = new ApprovalLookback(_store, _service, MsOptions.Create(TestServices.DefaultOptions));

        var precedent = Assert.Single(await lookback.EarlierAsync(again, inputSchemaJson: null, "alice"));

        Assert.Equal(id, precedent.Request.Id);
        Assert.False(precedent.WarrantUsed);
    }

    [Fact]
    public async Task Revoke_Twice_SecondIsOkAndLookbackSaysNotCarriedOut()
    {
        var (id, _) = await ApprovedAsync();
        Assert.True((await _service.RevokeAsync(Tenant, id, "bob")).Succeeded);

        var second = await _service.RevokeAsync(Tenant, id, "alice");
        _time.Advance(TimeSpan.FromSeconds(5));
        var again = await _service.CreateAsync(Tenant, Agent, "payments.refund", Digest, Policy, null, null, ["alice", "bob"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        var lookback = new ApprovalLookback(_store, _service, MsOptions.Create(TestServices.DefaultOptions));

        Assert.True(second.Succeeded, second.Code);
        Assert.False(Assert.Single(await lookback.EarlierAsync(again, inputSchemaJson: null, "alice")).WarrantUsed);
    }

    private async Task<(string Id, string Warrant)> ApprovedAsync()
    {
        var request = await _service.CreateAsync(Tenant, Agent, "payments.refund", Digest, Policy, null, null, ["alice", "bob"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        await _service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "minter-of-bob"));
        return (request.Id, (await _service.PollAsync(Tenant, Agent, request.Id))!.Warrant!);
    }

    private static WarrantPresentation Presented(string warrant) => new(Tenant, Agent, Digest, Policy, warrant);

    /// <summary>The approval store, whose first warrant use once held (<see cref="HoldFirstUse"/>) waits at <see cref="Reached"/> for <see cref="Release"/>.</summary>
    private sealed class HeldWarrantUse(IApprovalStore inner) : IApprovalStore
    {
        private int _hold;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void HoldFirstUse() => Volatile.Write(ref _hold, 1);

        public async ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _hold, 0) == 1)
            {
                Reached.SetResult();
                await Release.Task;
            }

            return await inner.TryUseWarrantAsync(tenant, approvalId, lifetime, cancellationToken);
        }

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
    }
}
