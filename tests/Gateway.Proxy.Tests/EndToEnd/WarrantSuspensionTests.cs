using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// A suspension revokes the warrants already issued, as it revokes decision tokens: through the running gateway, a warrant
/// polled before the agent (or its tenant) was suspended and resumed is refused with the decision tokens' reason
/// (<c>agent_revoked</c>, <c>tenant_revoked</c>) and nothing is forwarded; the approval itself stands, and a poll after
/// the resumption issues a warrant under the generations now current.
/// </summary>
public sealed class WarrantSuspensionTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-9","amount":40}}""";
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_WarrantFromBeforeAgentSuspendedAndResumed_IsRefusedAgentRevokedAndNothingIsForwarded()
    {
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        var (approvalId, warrant) = await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, alice, Refund);
        await PostAdminAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend");
        await PostAdminAsync("/admin/v1/tenants/demo/agents/demo-agent/resume");

        using (var first = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant)))
        {
            // Refused whether this replica decided on what it last saw of the agent (then refused once recorded) or not.
            Assert.False(first.IsSuccessStatusCode);
        }

        await RetryWithoutWarrantAsync();
        using var refused = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant));

        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Contains("(agent_revoked)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(approvalId, problem.GetProperty("approval").GetProperty("id").GetString());
        Assert.Empty(_gw.Upstream.To("/payments/refunds"));

        var reissued = (await ApprovalCalls.PollAsync(_gw.Agent, approvalId)).GetProperty("warrant").GetString()!;
        using var carriedOut = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, reissued));
        await DecisionJson.DecisionAsync(carriedOut, "allow_and_log");
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    [Fact]
    public async Task InvokeTool_WarrantFromBeforeTenantSuspendedAndResumed_IsRefusedTenantRevoked()
    {
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        var (_, warrant) = await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, alice, Refund);
        await PostAdminAsync("/admin/v1/tenants/demo/suspend");
        await PostAdminAsync("/admin/v1/tenants/demo/resume");

        // A retry without the warrant first: this replica then knows the generations now current.
        await RetryWithoutWarrantAsync();
        using var refused = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, warrant));

        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Contains("(tenant_revoked)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(_gw.Upstream.To("/payments/refunds"));
    }

    // The agent's retry without its warrant: it folds into its approval (approved, its warrant unused), after an admission
    // that reads the agent's generations from the store.
    private async Task RetryWithoutWarrantAsync()
    {
        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);
        await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "approval_required");
    }

    private async Task PostAdminAsync(string path)
    {
        using var response = await _gw.Admin().PostAsync(path, content: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
