using System.Net;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Approvals;

namespace Gateway.Admin.Tests.Http;

/// <summary>
/// Whose earlier votes still count is the approval service's own check, asked at every count whoever calls it: a vote cast
/// with a token revoked since, or by a person suspended since, does not settle the request with the next approver's vote.
/// </summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Approve_SecondApproverAfterTheFirstVotersTokenWasRevoked_StaysPending()
    {
        var request = await CreateApprovalAsync(required: 2);
        var minter = new AdminPrincipal("minter-of-alice", [AdminRoles.Admin]) { Tenant = _tenant };
        using var alice = _host.Client(await _host.IssueTokenAsync(new AdminTokenSpec("alice-leaked", [AdminRoles.Approver]) { Tenant = _tenant, Person = "alice" }, minter));
        using var bob = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));
        Assert.Equal("pending", await VoteAsync(alice, request.Id));

        using var admin = _host.Client(AdminTestServices.BootstrapToken);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/admin/v1/tokens/alice-leaked?tenant={_tenant}")).StatusCode);
        var afterRevocation = await VoteAsync(bob, request.Id);

        Assert.Equal("pending", afterRevocation);
        Assert.Null((await _host.Get<ApprovalService>().PollAsync(_tenant, "agent-1", request.Id))!.Warrant);
        // Alice votes again with a token of her own that is live: the request settles.
        using var aliceAgain = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));
        Assert.Equal("approved", await VoteAsync(aliceAgain, request.Id));
    }

    [Fact]
    public async Task ApproveAsync_CalledWithNoCheckAfterTheFirstVoterWasSuspended_StaysPending()
    {
        var request = await CreateApprovalAsync(required: 2);
        var approvals = _host.Get<ApprovalService>();
        await approvals.ApproveAsync(_tenant, request.Id, new ApprovalVoter("alice", "minter-of-alice"));

        await ConsolePersonSuspensions.RememberAsync(_host.Store, _tenant, AlicesIssuer, "00u-alice", "alice", CancellationToken.None);
        await ConsolePersonSuspensions.SuspendAsync(_host.Store, _tenant, AlicesIssuer, "00u-alice", CancellationToken.None);
        var second = await approvals.ApproveAsync(_tenant, request.Id, new ApprovalVoter("bob", "minter-of-bob"));

        Assert.Equal(ApprovalStatus.Pending, second.Request!.Status);
    }
}
