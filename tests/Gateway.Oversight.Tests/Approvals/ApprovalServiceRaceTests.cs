using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// Revoking twice answers as the first revocation did, however the two interleave, and a warrant a revocation voided is
/// never read as carried out (the races between revocations and with a redemption are <c>ApprovalRevocationRaceContract</c>'s, on every store).
/// </summary>
public sealed class ApprovalServiceRaceTests
{
    private const string Tenant = "demo";
    private const string Agent = "demo-agent";
    private const string Digest = "intent-1";
    private const string Policy = "policy-1";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStateStore _state;
    private readonly StateStoreApprovalStore _store;
    private readonly ApprovalService _service;

    public ApprovalServiceRaceTests()
    {
        _state = new InMemoryStateStore(_time);
        _store = new StateStoreApprovalStore(_state);
        _service = TestServices.Approvals(_store, _state, _time);
    }

    [Fact]
    public async Task EarlierAsync_RevokedBeforeItsWarrantWasUsed_IsNotShownAsCarriedOut()
    {
        var (id, _) = await ApprovedAsync(_service);
        Assert.True((await _service.RevokeAsync(Tenant, id, "bob")).Succeeded);
        _time.Advance(TimeSpan.FromSeconds(5));

        var precedent = Assert.Single(await LookbackAsync(_store, _service));

        Assert.Equal(id, precedent.Request.Id);
        Assert.False(precedent.WarrantUsed);
    }

    [Fact]
    public async Task Revoke_Twice_SecondIsOkAndLookbackSaysNotCarriedOut()
    {
        var (id, _) = await ApprovedAsync(_service);
        Assert.True((await _service.RevokeAsync(Tenant, id, "bob")).Succeeded);

        var second = await _service.RevokeAsync(Tenant, id, "alice");
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(second.Succeeded, second.Code);
        Assert.False(Assert.Single(await LookbackAsync(_store, _service)).WarrantUsed);
    }

    [Fact]
    public async Task EarlierAsync_RevokedAndItsMarkExpired_IsStillNotShownAsCarriedOut()
    {
        // Uses kept on the system clock, as PostgreSQL keeps warrant_uses rows until retention; the mark on the fake one.
        var approvals = new StateStoreApprovalStore(new InMemoryStateStore());
        var service = TestServices.Approvals(approvals, _state, _time);
        var (id, _) = await ApprovedAsync(service);
        Assert.True((await service.RevokeAsync(Tenant, id, "bob")).Succeeded);

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.False(await service.IsRevokedAsync(Tenant, id, CancellationToken.None));
        Assert.False(Assert.Single(await LookbackAsync(approvals, service)).WarrantUsed);
    }

    private async Task<IReadOnlyList<ApprovalPrecedent>> LookbackAsync(IApprovalStore store, ApprovalService service)
    {
        var again = await service.CreateAsync(Tenant, Agent, "payments.refund", Digest, Policy, null, null, ["alice", "bob"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        return await new ApprovalLookback(store, service, MsOptions.Create(TestServices.DefaultOptions)).EarlierAsync(again, inputSchemaJson: null, "alice");
    }

    private static async Task<(string Id, string Warrant)> ApprovedAsync(ApprovalService service)
    {
        var request = await service.CreateAsync(Tenant, Agent, "payments.refund", Digest, Policy, null, null, ["alice", "bob"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        await service.ApproveAsync(Tenant, request.Id, new ApprovalVoter("bob", "minter-of-bob"));
        return (request.Id, (await service.PollAsync(Tenant, Agent, request.Id))!.Warrant!);
    }
}
