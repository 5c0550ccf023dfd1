using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// An approval revoked after it was granted is, to the agent that polls it, <c>denied</c> with no warrant (people took it
/// back), never <c>approved</c> with a warrant that redemption then refuses; the approvers' view keeps the history.
/// </summary>
public abstract partial class ApprovalServiceTests
{
    [Fact]
    public async Task PollAsync_ApprovedThenRevoked_IsDeniedWithoutWarrant()
    {
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));
        var revoked = await Service.RevokeAsync(Tenant, request.Id, "alice");

        var poll = await Service.PollAsync(Tenant, Agent, request.Id);
        var history = await Service.GetAsync(Tenant, request.Id);

        Assert.True(revoked.Succeeded);
        Assert.Equal(ApprovalStatus.Denied, poll!.Status);
        Assert.Null(poll.Warrant);
        Assert.Null(poll.WarrantExpiresAt);
        Assert.Equal(["alice"], poll.Approvals);
        Assert.Equal(ApprovalStatus.Approved, history!.Status);
    }

    [Fact]
    public async Task PollAsync_RevokedThroughAnotherReplica_IsDeniedWithoutWarrantAtOnce()
    {
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("bob"));
        var before = await Service.PollAsync(Tenant, Agent, request.Id);

        await TestServices.Approvals(SecondStore, Time).RevokeAsync(Tenant, request.Id, "bob");
        var after = await Service.PollAsync(Tenant, Agent, request.Id);

        Assert.Equal(ApprovalStatus.Approved, before!.Status);
        Assert.StartsWith("w1.", before.Warrant, StringComparison.Ordinal);
        Assert.Equal(WarrantReasons.Revoked, (await Service.RedeemWarrantAsync(Presented(Tenant, Agent, Digest, before.Warrant!))).Reason);
        Assert.Equal(ApprovalStatus.Denied, after!.Status);
        Assert.Null(after.Warrant);
    }

    [Fact]
    public async Task PollAsync_RevokedAndWarrantTtlPassed_IsExpiredWithoutWarrant()
    {
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("carol"));
        await Service.RevokeAsync(Tenant, request.Id, "carol");
        Time.Advance(TimeSpan.FromMinutes(5));

        var poll = await Service.PollAsync(Tenant, Agent, request.Id);

        Assert.Equal(ApprovalStatus.Expired, poll!.Status);
        Assert.Null(poll.Warrant);
    }
}
