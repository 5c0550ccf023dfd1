using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// An agent cannot flood the inbox with different intents (docs/approvals-and-audit.md, "Open approvals per agent"):
/// through the running gateway, past <c>Gateway:Approvals:MaxOpenPerAgent</c> a <c>require_approval</c> is a recorded
/// 429 refusal that opens nothing, while a retry of an intent still pending folds into its approval as before.
/// </summary>
public sealed class ApprovalOpenLimitTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() =>
        _gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration["Gateway:Approvals:MaxOpenPerAgent"] = "2");

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_AgentAtItsOpenApprovalLimit_IsARecordedRefusalThatOpensNone()
    {
        var first = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund(1));
        var second = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund(2));

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund(3));
        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund(1));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "approvals_open_limit");
        var records = await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal([409, 429], records.Select(r => r.GetProperty("status_code").GetInt32()));
        var folded = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "approval_required");
        Assert.Equal(first, folded.GetProperty("approval").GetProperty("id").GetString());
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        using var list = await alice.GetAsync("/admin/v1/tenants/demo/approvals/");
        var pending = (await DecisionJson.ReadAsync(list, HttpStatusCode.OK)).GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("id").GetString());
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), pending.Order(StringComparer.Ordinal));
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    private static string Refund(int amount) => JsonSerializer.Serialize(new { tool = "payments.refund", args = new { order = "o-7", amount } });
}
