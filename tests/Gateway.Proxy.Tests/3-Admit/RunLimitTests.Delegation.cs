using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// The loop detection counts an action once per run whoever in the agent's tree takes it: a delegated child's repeats
/// (bound to the run, or naming it) count with its agent's, so new children are no way round the loop.
/// </summary>
public sealed partial class RunLimitTests
{
    [Fact]
    public async Task InvokeTool_SameIntentRepeatedAcrossParentAndChildren_LoopCountedOnce()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", loop: { repeats: 3, decision: block } }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        await RepeatAsync(gw, run, 2);
        var (bound, _) = await DelegationCalls.DelegateAsync(gw.Agent, gw.Host.Client, DelegationCalls.ReadContactGrant.Replace("run-42", run, StringComparison.Ordinal));
        var (naming, _) = await DelegationCalls.DelegateAsync(gw.Agent, gw.Host.Client);

        using var third = await bound.PostJsonAsync("/v1/actions/invoke-tool", RunCalls.ReadContact);
        using var evaluated = await RunCalls.InRunAsync(naming, run, "/v1/evaluate", RunCalls.ReadContact);
        using var fourth = await RunCalls.InRunAsync(naming, run);

        AssertLoopExplained(await ProblemAssert.IsProblemAsync(third, HttpStatusCode.Forbidden, "run_loop_detected"), run, "block", 3);
        AssertLoopExplained(await DecisionJson.DecisionAsync(evaluated, "block"), run, "block", 4);
        AssertLoopExplained(await ProblemAssert.IsProblemAsync(fourth, HttpStatusCode.Forbidden, "run_loop_detected"), run, "block", 4);
        Assert.Equal(2, gw.Upstream.To("/crm/").Count);

        // Another action is its own intent: a child takes it.
        using var other = await RunCalls.InRunAsync(naming, run, json: Contact(9));
        await DecisionJson.DecisionAsync(other, "allow");
    }
}
