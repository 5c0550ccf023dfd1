using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A run cancelled through one replica's admin API is cancelled on every replica: its next action, arriving at the other
/// replica, is refused (409 <c>run_cancelled</c>) and recorded with who cancelled it, and the run's story, read through
/// either replica, holds every step in order (two gateways, one redis-server).
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class RunCancelTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ReplicaCluster.StartAsync(replicas: 2);

    public async Task DisposeAsync() => await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Fact]
    public async Task Action_RunCancelledThroughReplicaA_IsRefusedOnReplicaB()
    {
        var agent = _cluster.Agent(1);
        var run = await RunCalls.StartIdAsync(agent);
        using (var before = await RunCalls.InRunAsync(agent, run, "/v1/evaluate", ReadContact))
        {
            await DecisionJson.DecisionAsync(before, "allow");
        }

        using (var cancel = await _cluster.Admin(0).PostAsync($"/admin/v1/tenants/demo/runs/{run}/cancel", RunCalls.Json("""{"reason":"runaway loop"}""")))
        {
            var cancelled = await DecisionJson.ReadAsync(cancel, HttpStatusCode.OK);
            Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
            Assert.Equal("admin:bootstrap", cancelled.GetProperty("ended_by").GetString());
        }

        using var after = await RunCalls.InRunAsync(agent, run, "/v1/evaluate", ReadContact);

        var problem = await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Conflict, "run_cancelled");
        Assert.Equal(run, problem.GetProperty("run_id").GetString());
        Assert.False(problem.TryGetProperty("run_ended_by", out _));
        var story = await StoryAsync(_cluster.Admin(1), run);
        Assert.Equal(["run_started", "allow", "admin_action", "refused:run_cancelled"], story.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal("runaway loop", story[2].GetProperty("run_event").GetProperty("detail").GetProperty("reason").GetString());
        Assert.Equal("admin:bootstrap", story[3].GetProperty("run_ended_by").GetString());
        Assert.Equal(ReplicaCluster.ReplicaId(1), story[3].GetProperty("replica").GetString());
    }

    [Fact]
    public async Task Events_RunCancelledThroughReplicaA_TakeOnlyTheAcknowledgementOnReplicaB()
    {
        var agent = _cluster.Agent(1);
        var run = await RunCalls.StartIdAsync(agent);
        using (var cancel = await _cluster.Admin(0).PostAsync($"/admin/v1/tenants/demo/runs/{run}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        using var step = await RunCalls.EventAsync(agent, run, "step", "more work");
        using var acknowledged = await RunCalls.EventAsync(agent, run, "cancelled", inRun: true);

        await ProblemAssert.IsProblemAsync(step, HttpStatusCode.Conflict, "run_cancelled");
        Assert.Equal("cancelled", (await DecisionJson.ReadAsync(acknowledged, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    private static async Task<List<JsonElement>> StoryAsync(HttpClient admin, string run)
    {
        using var page = JsonDocument.Parse(await admin.GetStringAsync($"/admin/v1/tenants/demo/runs/{run}"));
        return [.. page.RootElement.GetProperty("records").EnumerateArray().Select(r => r.Clone())];
    }
}
