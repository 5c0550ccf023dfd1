using System.Net;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// A warrant lifts the approval obligation it was approved for, never another (docs/approvals-and-audit.md, "What a
/// warrant lifts"): after a change marked compatible, the same call needing another rule's approvers is held again.
/// </summary>
public sealed class ApprovalObligationFlowTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-9","amount":25}}""";
    private const string RuleOne = "  - { id: r1-refund-review, match: { tools: [payments.refund] }, effect: require_approval, reason: refund_review, approvers: [alice, bob], approvals_required: 2 }\n";
    private const string RuleTwo = "  - { id: r2-refund-review, match: { tools: [payments.refund] }, effect: require_approval, reason: refund_review, approvers: [bob, sec-team], approvals_required: 2 }\n";
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(text => text.Replace("rules:\n", "rules:\n" + RuleOne, StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_WarrantApprovedUnderR1AfterTheBundleNeedsR2Only_IsHeldForANewApprovalAndRecorded()
    {
        var approvalId = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund);
        foreach (var person in new[] { "alice", "bob" })
        {
            using var approve = await _gw.Admin(await _gw.IssueTokenAsync(person, "approver")).PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        var warrant = (await ApprovalCalls.PollAsync(_gw.Agent, approvalId)).GetProperty("warrant").GetString()!;
        var provider = _gw.Host.Services.GetRequiredService<PolicyProvider>();
        Assert.True(provider.Current!.Set.TryGetTenant("demo", out var before));
        // R1 gives way to R2 (other approvers); the author marks the change compatible, so the digest alone holds nothing.
        _gw.Bundle.Rewrite(text => text
            .Replace(RuleOne, RuleTwo, StringComparison.Ordinal)
            .Replace("workspaces: [ws-demo]", $"workspaces: [ws-demo]\ncompatible_with: [{before!.Digest}]", StringComparison.Ordinal));
        Assert.Empty(await provider.ReloadAsync());

        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant));

        var held = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Contains("warrant_obligation_changed", held.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var renewed = held.GetProperty("approval").GetProperty("id").GetString()!;
        Assert.NotEqual(approvalId, renewed);
        var poll = await ApprovalCalls.PollAsync(_gw.Agent, renewed);
        Assert.Equal("pending", poll.GetProperty("status").GetString());
        Assert.Equal(["bob", "sec-team"], poll.GetProperty("approvers").EnumerateArray().Select(a => a.GetString()!).Order(StringComparer.Ordinal));
        Assert.Empty(_gw.Upstream.To("/payments"));
        var records = await _gw.AuditRecordsAsync(Assert.Single(retry.Headers.GetValues("X-Request-Id")));
        Assert.Equal("require_approval", Assert.Single(records).GetProperty("decision").GetString());

        // The old warrant was not used up by the refusal, and is still refused: only the new approval lifts R2.
        using var again = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant));
        var stillHeld = await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Equal(renewed, stillHeld.GetProperty("approval").GetProperty("id").GetString());
    }

    [Fact]
    public async Task InvokeTool_WarrantAfterACompatibleChangeThatKeepsTheObligation_IsHonoured()
    {
        var approvalId = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund);
        foreach (var person in new[] { "alice", "bob" })
        {
            using var approve = await _gw.Admin(await _gw.IssueTokenAsync(person, "approver")).PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        var warrant = (await ApprovalCalls.PollAsync(_gw.Agent, approvalId)).GetProperty("warrant").GetString()!;
        var provider = _gw.Host.Services.GetRequiredService<PolicyProvider>();
        Assert.True(provider.Current!.Set.TryGetTenant("demo", out var before));
        _gw.Bundle.Rewrite(text => text
            .Replace("warrant_ttl: 15m", "warrant_ttl: 14m", StringComparison.Ordinal)
            .Replace("workspaces: [ws-demo]", $"workspaces: [ws-demo]\ncompatible_with: [{before!.Digest}]", StringComparison.Ordinal));
        Assert.Empty(await provider.ReloadAsync());

        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant));

        Assert.True((await DecisionJson.DecisionAsync(retry, "allow_and_log")).GetProperty("invoked").GetBoolean());
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }
}
