using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// An approval whose warrant lapsed unused is, to the agent that polls it, <c>expired</c> (one of the four states the
/// protocol names), never <c>approved</c> without a warrant; the approvers' view keeps the history: approved, by whom.
/// </summary>
public abstract partial class ApprovalServiceTests
{
    [Fact]
    public async Task PollAsync_ApprovedAndWarrantTtlPassed_IsExpiredWithoutWarrant()
    {
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("alice"));
        Time.Advance(TimeSpan.FromMinutes(6));

        var poll = await Service.PollAsync(Tenant, Agent, request.Id);
        var history = await Service.GetAsync(Tenant, request.Id);

        Assert.Equal(ApprovalStatus.Expired, poll!.Status);
        Assert.Null(poll.Warrant);
        Assert.Null(poll.WarrantExpiresAt);
        Assert.Equal(["alice"], poll.Approvals);
        Assert.Equal(ApprovalStatus.Approved, history!.Status);
        Assert.Equal(["alice"], history.Approvals);
    }

    [Fact]
    public async Task PollAsync_ApprovedAtTheWarrantTtlBoundary_IsApprovedUntilTheLastSecondThenExpired()
    {
        var request = await CreateAsync(Service);
        await Service.ApproveAsync(Tenant, request.Id, Voter("bob"));

        Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var lastSecond = await Service.PollAsync(Tenant, Agent, request.Id);
        Time.Advance(TimeSpan.FromSeconds(1));
        var lapsed = await Service.PollAsync(Tenant, Agent, request.Id);
        Time.Advance(TimeSpan.FromMinutes(30));
        var afterRequestTtl = await Service.PollAsync(Tenant, Agent, request.Id);

        Assert.Equal(ApprovalStatus.Approved, lastSecond!.Status);
        Assert.StartsWith("w1.", lastSecond.Warrant, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Expired, lapsed!.Status);
        Assert.Null(lapsed.Warrant);
        Assert.Equal(ApprovalStatus.Expired, afterRequestTtl!.Status);
        Assert.Equal(ApprovalStatus.Approved, (await Service.GetAsync(Tenant, request.Id))!.Status);
    }
}
