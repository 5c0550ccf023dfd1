using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Approvals;

namespace Gateway.Admin.Tests.Http;

/// <summary>A vote cast by an approver who is suspended since (a console user of theirs) does not count when the request settles, until they are resumed.</summary>
public sealed partial class AdminApiTests
{
    private const string AlicesIssuer = "https://idp.example";

    [Fact]
    public async Task Approve_SecondApproverAfterTheFirstVoterWasSuspended_StaysPending()
    {
        var request = await CreateApprovalAsync(required: 2);
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));
        using var bob = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));
        Assert.Equal("pending", await VoteAsync(alice, request.Id));

        await ConsolePersonSuspensions.RememberAsync(_host.Store, _tenant, AlicesIssuer, "00u-alice", "alice", CancellationToken.None);
        await ConsolePersonSuspensions.SuspendAsync(_host.Store, _tenant, AlicesIssuer, "00u-alice", CancellationToken.None);
        var whileSuspended = await VoteAsync(bob, request.Id);

        Assert.Equal("pending", whileSuspended);
        Assert.Null((await _host.Get<ApprovalService>().PollAsync(_tenant, "agent-1", request.Id))!.Warrant);
        // Resumed, her vote counts again: the next count settles the request.
        await ConsolePersonSuspensions.ResumeAsync(_host.Store, _tenant, AlicesIssuer, "00u-alice", CancellationToken.None);
        Assert.Equal("approved", await VoteAsync(bob, request.Id));
    }

    private async Task<string?> VoteAsync(HttpClient approver, string id)
    {
        using var response = await approver.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{id}/approve", null);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
    }
}
