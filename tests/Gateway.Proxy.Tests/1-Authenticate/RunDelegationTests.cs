using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// A delegated child bound to a run by its grant (<c>run_id</c> of a run id's form): the run must be an active run of the
/// parent's agent, and the child acts in that run only (without naming it, or naming it; never another, never a new
/// one). A <c>run_id</c> of any other form stays a label, as before runs.
/// </summary>
public sealed class RunDelegationTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    private static string GrantIn(string run) => DelegationCalls.ReadContactGrant.Replace("run-42", run, StringComparison.Ordinal);

    [Fact]
    public async Task Delegation_BoundToRun_ChildActsInItWithoutNamingIt()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client, GrantIn(run));

        using var response = await child.PostJsonAsync("/v1/actions/invoke-tool", RunCalls.ReadContact);

        var explanation = (await DecisionJson.DecisionAsync(response, "allow")).GetProperty("explanation");
        Assert.Equal(run, explanation.GetProperty("run_id").GetString());
        Assert.Equal(run, explanation.GetProperty("actor_chain")[1].GetProperty("run_id").GetString());
        Assert.Contains(await RunCalls.RecordsAsync(_gw.Admin(), run), r => r.GetProperty("agent").GetString() == child.Agent);
    }

    [Fact]
    public async Task Delegation_BoundToRun_ChildNamingAnotherRunOfItsAgent_IsRefused()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        var other = await RunCalls.StartIdAsync(_gw.Agent);
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client, GrantIn(run));

        using var response = await RunCalls.InRunAsync(child, other);
        using var start = await child.PostJsonAsync("/v1/runs", "{}");
        using var startNamingItsRun = await RunCalls.InRunAsync(child, run, "/v1/runs", "{}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "run_foreign");
        await ProblemAssert.IsProblemAsync(start, HttpStatusCode.Forbidden, "run_foreign");
        await ProblemAssert.IsProblemAsync(startNamingItsRun, HttpStatusCode.Forbidden, "run_foreign");
        Assert.Empty(_gw.Upstream.Received);
    }

    [Fact]
    public async Task Delegation_ToAnotherAgentsRun_IsRefused()
    {
        var theirs = await RunCalls.StartIdAsync(_gw.Rogue);

        using var response = await DelegationCalls.RequestAsync(_gw.Agent, GrantIn(theirs));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "run_foreign");
    }

    [Fact]
    public async Task Delegation_ToAnEndedRun_IsRefused()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        using (var failed = await RunCalls.EventAsync(_gw.Agent, run, "failed"))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        using var response = await DelegationCalls.RequestAsync(_gw.Agent, GrantIn(run));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "run_ended");
    }

    [Fact]
    public async Task Delegation_FreeFormRunLabel_IssuesAChildBoundToNoRun()
    {
        var (child, issued) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);

        using var response = await child.PostJsonAsync("/v1/actions/invoke-tool", RunCalls.ReadContact);

        Assert.Equal("run-42", issued.GetProperty("delegation").GetProperty("run_id").GetString());
        var explanation = (await DecisionJson.DecisionAsync(response, "allow")).GetProperty("explanation");
        Assert.False(explanation.TryGetProperty("run_id", out _));
        Assert.Equal("run-42", explanation.GetProperty("actor_chain")[1].GetProperty("run_id").GetString());
    }
}
