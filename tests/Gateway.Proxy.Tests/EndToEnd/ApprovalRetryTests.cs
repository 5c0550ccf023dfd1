using System.Net;
using Gateway.Oversight.Approvals;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// An agent in a retry loop cannot grow the inbox (docs/approvals-and-audit.md, "One approval per intent"): through the
/// running gateway, a spent warrant replayed opens nothing, a pending intent retried folds into its approval, and only a
/// genuinely new intent opens a new one.
/// </summary>
public sealed class ApprovalRetryTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-7","amount":25}}""";
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_SpentWarrantReplayedTenTimes_IsRefusedNamingTheApprovalAndOpensNone()
    {
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        var (approvalId, warrant) = await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, alice, Refund);
        using (var carriedOut = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant)))
        {
            await DecisionJson.DecisionAsync(carriedOut, "allow_and_log");
        }

        for (var i = 0; i < 10; i++)
        {
            using var replay = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant));
            var refused = await ProblemAssert.IsProblemAsync(replay, HttpStatusCode.Conflict, "warrant_rejected");
            Assert.Contains("warrant_already_used", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(approvalId, refused.GetProperty("approval").GetProperty("id").GetString());
        }

        Assert.Equal([approvalId], await AllApprovalsAsync());
        Assert.Empty(await PendingAsync(alice));
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    [Fact]
    public async Task InvokeTool_PendingIntentRetriedTenTimes_FoldsIntoItsOneApproval()
    {
        var approvalId = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund);

        for (var i = 0; i < 10; i++)
        {
            using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);
            var problem = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "approval_required");
            Assert.Equal(approvalId, problem.GetProperty("approval").GetProperty("id").GetString());
        }

        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        Assert.Equal([approvalId], await AllApprovalsAsync());
        Assert.Equal([approvalId], await PendingAsync(alice));
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    [Fact]
    public async Task InvokeTool_ANewIntentBesideAPendingOne_OpensANewApproval()
    {
        var first = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund);

        var second = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, """{"tool":"payments.refund","args":{"order":"o-7","amount":30}}""");

        Assert.NotEqual(first, second);
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), (await PendingAsync(alice)).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await AllApprovalsAsync()).Count);
    }

    [Fact]
    public async Task InvokeTool_SameIntentAfterItsApprovalWasCarriedOut_OpensOneNewApprovalThatRetriesFoldInto()
    {
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        var (approvalId, warrant) = await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, alice, Refund);
        using (var carriedOut = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant)))
        {
            await DecisionJson.DecisionAsync(carriedOut, "allow_and_log");
        }

        var again = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund);
        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);

        Assert.NotEqual(approvalId, again);
        var problem = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "approval_required");
        Assert.Equal(again, problem.GetProperty("approval").GetProperty("id").GetString());
        Assert.Equal([again], await PendingAsync(alice));
    }

    [Fact]
    public async Task InvokeTool_AfterAnIncompatiblePolicyChange_OpensANewApprovalUnderTheNewPolicy()
    {
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        var (approvalId, _) = await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, alice, Refund);
        _gw.Bundle.Rewrite(text => text.Replace("warrant_ttl: 15m", "warrant_ttl: 14m", StringComparison.Ordinal));
        Assert.Empty(await _gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());

        // The old approval's warrant would be refused (warrant_policy_changed): the retry must not fold into it.
        var renewed = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund);

        Assert.NotEqual(approvalId, renewed);
        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);
        var problem = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "approval_required");
        Assert.Equal(renewed, problem.GetProperty("approval").GetProperty("id").GetString());
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    /// <summary>Every approval the tenant has, in any state, from the approval store itself.</summary>
    private async Task<IReadOnlyList<string>> AllApprovalsAsync() =>
        await _gw.Host.Services.GetRequiredService<IApprovalStore>().ListRecentAsync("demo", 1000);

    /// <summary>The approvers' inbox: the pending approvals the admin API lists.</summary>
    private static async Task<string[]> PendingAsync(HttpClient approver)
    {
        using var response = await approver.GetAsync("/admin/v1/tenants/demo/approvals");
        var json = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        return [.. json.GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];
    }
}
