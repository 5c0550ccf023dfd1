using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// An approval whose warrant lapsed before the agent fetched it: the agent's poll answers <c>expired</c> (one of the
/// protocol's four states, which every SDK turns into its typed "expired" error), while the approvers' view through the
/// admin API keeps the history (approved, by alice).
/// </summary>
public sealed class ApprovalWarrantLapseTests
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-7","amount":25}}""";

    [Fact]
    public async Task Poll_ApprovedButPolledAfterTheGatesWarrantTtl_IsExpiredWithoutWarrant()
    {
        var clock = new MovableClock();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var agent = new AgentClient(gw.Host.Client, gw.Bundle.AgentSecret, time: clock);
        var approvalId = await ApprovalCalls.RequestApprovalAsync(agent, Refund);
        var alice = gw.Admin(await gw.IssueTokenAsync("alice", "approver"));
        using (var approve = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        // The payments gate's warrant_ttl is 15m.
        clock.Offset = TimeSpan.FromMinutes(16);
        var poll = await ApprovalCalls.PollAsync(agent, approvalId);

        Assert.Equal("expired", poll.GetProperty("status").GetString());
        Assert.False(DecisionJson.Has(poll, "warrant"));
        Assert.False(DecisionJson.Has(poll, "warrant_expires_at"));
        using var history = await alice.GetAsync($"/admin/v1/tenants/demo/approvals/{approvalId}");
        var approval = await DecisionJson.ReadAsync(history, HttpStatusCode.OK);
        Assert.Equal("approved", approval.GetProperty("status").GetString());
        Assert.Contains("alice", approval.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()));
    }
}
