using System.Net;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// The remote agent's card is read only once the request is admitted and decided: a kill-switched agent is refused
/// (403 <c>blocked</c>, recorded) and a replayed nonce refused, and in neither case does the real Kestrel agent see a
/// request for its card.
/// </summary>
public sealed class A2aCardAdmissionTests
{
    private const string CardPath = "/a2a/helper/.well-known/agent-card.json";

    [Fact]
    public async Task AgentCard_AgentSuspended_Refuses403BlockedAndReadsNoCard()
    {
        await using var setup = await A2aRouteTests.StartAsync(signed: true);
        using (var suspend = await setup.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        using var response = await setup.Gateway.Agent.SendAsync(setup.Gateway.Agent.Create(HttpMethod.Get, CardPath));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, ProblemCodes.Blocked);
        Assert.Equal(0, setup.Agent.CardReads);
        var records = await RunCalls.RecordsOfAsync(setup.Gateway.Admin(), response);
        Assert.Equal("refused:" + ProblemCodes.Blocked, Assert.Single(records).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task AgentCard_ReplayedNonce_IsRefusedAndReadsNoCard()
    {
        await using var setup = await A2aRouteTests.StartAsync(signed: true);
        var agent = setup.Gateway.Agent;
        var nonce = "card-" + Guid.NewGuid().ToString("N");
        using (var first = await agent.SendAsync(agent.Create(HttpMethod.Get, CardPath, nonce: nonce)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Assert.Equal(1, setup.Agent.CardReads);

        using var replayed = await agent.SendAsync(agent.Create(HttpMethod.Get, CardPath, nonce: nonce));

        await ProblemAssert.IsProblemAsync(replayed, HttpStatusCode.Unauthorized, ProblemCodes.ReplayedNonce);
        Assert.Equal(1, setup.Agent.CardReads);
    }
}
