using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// The one read of an approval's revocation mark (<see cref="ApprovalService.IsRevokedAsync"/>): a poll, a warrant and
/// an intent's open approval all see a revocation through it, at once.
/// </summary>
public abstract partial class ApprovalServiceTests
{
    [Fact]
    public async Task IsRevokedAsync_ApprovedThenRevoked_SeenByPollWarrantAndIntentAlike()
    {
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));
        var warrant = (await Service.PollAsync(Tenant, Agent, request.Id))!.Warrant!;
        var before = await Service.IsRevokedAsync(Tenant, request.Id, CancellationToken.None);
        var openBefore = await Service.FindOpenForIntentAsync(Tenant, Agent, Digest);

        await Service.RevokeAsync(Tenant, request.Id, "alice");

        Assert.False(before);
        Assert.Equal(request.Id, openBefore?.Id);
        Assert.True(await Service.IsRevokedAsync(Tenant, request.Id, CancellationToken.None));
        Assert.Equal(ApprovalStatus.Denied, (await Service.PollAsync(Tenant, Agent, request.Id))!.Status);
        Assert.Equal(WarrantReasons.Revoked, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, warrant))).Reason);
        Assert.Null(await Service.FindOpenForIntentAsync(Tenant, Agent, Digest));
    }
}
