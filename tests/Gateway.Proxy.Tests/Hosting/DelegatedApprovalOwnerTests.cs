using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// The owner-may-not-approve rule holds through delegation: <c>demo-agent</c>'s <c>human_owner</c> is alice, who is also
/// an approver; a refund asked by the agent itself, by a child it issued, or by that child's child is never approved by
/// alice (403 <c>approval_own_request</c>, in the admin API and in the console), stays pending, and no warrant reaches the
/// asker; bob, who owns nothing here, approves it.
/// </summary>
public sealed class DelegatedApprovalOwnerTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"c-9","amount":9999}}""";
    private const string PayerGrant = """{"name":"payer","permissions":[{"tool":"payments.refund"}],"may_delegate":true}""";
    private const string SubPayerGrant = """{"name":"sub-payer","permissions":[{"tool":"payments.refund"}]}""";

    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(bundle => OwnedByAlice(DelegationCalls.TwoLevels(bundle)));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AdminApprove_ByTheRootAgentsOwner_Is403OwnRequestAtEveryDepth(int depth)
    {
        var asker = await AskerAsync(depth);
        var id = await ApprovalCalls.RequestApprovalAsync(asker, Refund);
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));

        using (var approve = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{id}/approve", null))
        {
            await ProblemAssert.IsProblemAsync(approve, HttpStatusCode.Forbidden, "approval_own_request");
        }

        using (var deny = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{id}/deny", null))
        {
            await ProblemAssert.IsProblemAsync(deny, HttpStatusCode.Forbidden, "approval_own_request");
        }

        var poll = await ApprovalCalls.PollAsync(asker, id);
        Assert.Equal("pending", poll.GetProperty("status").GetString());
        Assert.False(DecisionJson.Has(poll, "warrant"));

        // Someone who owns nothing here decides it.
        var bob = _gw.Admin(await _gw.IssueTokenAsync("bob", "approver"));
        using var approved = await bob.PostAsync($"/admin/v1/tenants/demo/approvals/{id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ConsoleApprove_ByTheRootAgentsOwner_Is403OwnRequestAtEveryDepth(int depth)
    {
        var asker = await AskerAsync(depth);
        var id = await ApprovalCalls.RequestApprovalAsync(asker, Refund);
        using var client = Browser(_gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await _gw.IssueTokenAsync("alice", "approver"));
        string csrf;
        using (var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session)))
        {
            csrf = Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
        }

        using var response = await client.SendAsync(PostForm("/console/demo/approvals/" + id + "/approve", session,
            new Dictionary<string, string> { ["csrf"] = csrf, ["reason"] = "my own refund" }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("approval_own_request", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("pending", (await ApprovalCalls.PollAsync(asker, id)).GetProperty("status").GetString());
    }

    /// <summary>The demo bundle with <c>demo-agent</c> owned by alice, one of the tenant's approvers.</summary>
    private static string OwnedByAlice(string bundle)
    {
        const string Owner = "human_owner: dana@example.com";
        var at = bundle.IndexOf(Owner, StringComparison.Ordinal);
        return bundle[..at] + "human_owner: alice" + bundle[(at + Owner.Length)..];
    }

    /// <summary>demo-agent itself (0), a child it issued (1), or that child's child (2).</summary>
    private async Task<AgentClient> AskerAsync(int depth)
    {
        var asker = _gw.Agent;
        if (depth >= 1)
        {
            (asker, _) = await DelegationCalls.DelegateAsync(asker, _gw.Host.Client, PayerGrant);
        }

        if (depth >= 2)
        {
            (asker, _) = await DelegationCalls.DelegateAsync(asker, _gw.Host.Client, SubPayerGrant);
        }

        return asker;
    }
}
