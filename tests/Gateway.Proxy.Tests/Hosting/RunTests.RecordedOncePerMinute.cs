using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>A foreign run's refusal, which Authenticate answers before any rate limit, is recorded once a minute per agent, secret, route and code.</summary>
public sealed partial class RunTests
{
    [Fact]
    public async Task InvokeTool_RunOfAnotherAgentPresentedFiveTimes_IsRecordedOnce()
    {
        var theirs = await RunCalls.StartIdAsync(_gw.Rogue);

        var responses = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                responses.Add(await RunCalls.InRunAsync(_gw.Agent, theirs));
                await ProblemAssert.IsProblemAsync(responses[^1], HttpStatusCode.Forbidden, "run_foreign");
            }

            var record = Assert.Single(await RunCalls.RecordsOfAsync(_gw.Admin(), responses[0]));
            Assert.Equal("refused:run_foreign", record.GetProperty("decision").GetString());
            using var query = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/audit/query?agent=demo-agent&decision=refused:run_foreign");
            Assert.Single((await DecisionJson.ReadAsync(query, HttpStatusCode.OK)).GetProperty("records").EnumerateArray());
            Assert.Empty(_gw.Upstream.Received);
        }
        finally
        {
            responses.ForEach(r => r.Dispose());
        }
    }
}
