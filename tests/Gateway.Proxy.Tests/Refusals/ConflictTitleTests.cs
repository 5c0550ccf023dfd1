using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// A 409's problem title says which conflict it is: "Approval Required" only for an action held for approval (and a
/// warrant refused, which opens a new request), "Conflict" for every other, such as an action in a run that has ended.
/// </summary>
public sealed class ConflictTitleTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public ConflictTitleTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task InvokeTool_RunCancelled_IsTitledConflictNotApprovalRequired()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        using (var cancel = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/runs/{run}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        using var response = await RunCalls.InRunAsync(_gw.Agent, run);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "run_cancelled");
        Assert.Equal("Conflict", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task RunEvent_RunEnded_IsTitledConflict()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        (await RunCalls.EventAsync(_gw.Agent, run, "completed")).Dispose();

        using var response = await RunCalls.EventAsync(_gw.Agent, run, "step", "late");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "run_ended");
        Assert.Equal("Conflict", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task InvokeTool_HeldForApproval_IsTitledApprovalRequired()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
        Assert.Equal("Approval Required", problem.GetProperty("title").GetString());
    }
}
