using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// Kill switches flipped through one replica's admin API take effect on the other replica's very next
/// request: the switches live in the shared store and are read on every request, with no cache
/// (not even a cached allow decision) in the way.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class KillSwitchTests : IAsyncLifetime
{
    private const string AgentPath = "/admin/v1/tenants/demo/agents/demo-agent";
    private KestrelUpstream _crm = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 2,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin },
            ReplicaUpstreams.WithoutCrmCredential);
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task Suspend_ThroughReplicaA_BlocksNextRequestOnReplicaBUntilResumed()
    {
        var admin = _cluster.Admin(0);
        var agentB = _cluster.Agent(1);

        // B has just allowed (and cached) this very intent.
        using (var warm = await agentB.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("42")))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using (var suspend = await admin.PostAsync(AgentPath + "/suspend", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
            Assert.Contains("\"suspended\":true", await suspend.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var forwarded = _crm.Received.Count;
        using (var blocked = await agentB.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("42")))
        {
            var problem = await ProblemAssert.IsProblemAsync(blocked, HttpStatusCode.Forbidden, "blocked");
            Assert.Equal("block", problem.GetProperty("decision").GetString());
            Assert.False(problem.GetProperty("invoked").GetBoolean());
            var lifecycle = problem.GetProperty("explanation").GetProperty("decision_path").EnumerateArray()
                .Single(step => step.GetProperty("control").GetString() == "lifecycle");
            Assert.Equal("fail", lifecycle.GetProperty("outcome").GetString());
        }

        Assert.Equal(forwarded, _crm.Received.Count);

        using (var resume = await admin.PostAsync(AgentPath + "/resume", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
            Assert.Contains("\"suspended\":false", await resume.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var allowed = await agentB.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("42"));
        var body = await allowed.Content.ReadAsStringAsync();
        Assert.True(allowed.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("allow", json.RootElement.GetProperty("decision").GetString());
        Assert.True(json.RootElement.GetProperty("invoked").GetBoolean());
        Assert.Equal(forwarded + 1, _crm.Received.Count);
    }

    [Fact]
    public async Task RevokeSecret_ThroughReplicaA_RefusesNextRequestOnReplicaBUntilRestored()
    {
        var admin = _cluster.Admin(0);
        var agentB = _cluster.Agent(1);
        using (var warm = await agentB.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("7")))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using (var revoke = await admin.PostAsync(AgentPath + "/revoke-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
            Assert.Contains("\"secret_revoked\":true", await revoke.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var forwarded = _crm.Received.Count;
        using (var refused = await agentB.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("7")))
        {
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "secret_revoked");
        }

        // Replica A refuses too, and /v1/evaluate is no way around it.
        using (var refusedOnA = await _cluster.Agent(0).PostJsonAsync("/v1/evaluate", ReplicaUpstreams.ReadContact("7")))
        {
            await ProblemAssert.IsProblemAsync(refusedOnA, HttpStatusCode.Unauthorized, "secret_revoked");
        }

        Assert.Equal(forwarded, _crm.Received.Count);

        using (var restore = await admin.PostAsync(AgentPath + "/restore-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        }

        using var allowed = await agentB.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("7"));
        Assert.True(allowed.StatusCode == HttpStatusCode.OK, await allowed.Content.ReadAsStringAsync());
        Assert.Equal(forwarded + 1, _crm.Received.Count);
    }

    [Fact]
    public async Task SuspendAndResume_ThroughReplicaA_RefusesReplicaBsNextActionAsOutdatedOnceThenItsTokenIsLive()
    {
        using var executor = await ExecutorOnAAsync("crm-executor");
        await ReadOnBThenSuspendAndResumeOnAAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("9"));

        var agentB = _cluster.Agent(1);
        var forwarded = _crm.Received.Count;
        using (var outdated = await agentB.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("9")))
        {
            var problem = await ProblemAssert.IsProblemAsync(outdated, HttpStatusCode.ServiceUnavailable, "decision_outdated");
            Assert.Equal("allow", problem.GetProperty("decision").GetString());
            Assert.False(problem.GetProperty("invoked").GetBoolean());
            Assert.Equal(TimeSpan.FromSeconds(1), outdated.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(forwarded, _crm.Received.Count);

        // Sent again, it is decided on the generations the store read: its token verifies live.
        using var allowed = await agentB.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("9"));
        Assert.True(allowed.StatusCode == HttpStatusCode.OK, await allowed.Content.ReadAsStringAsync());
        Assert.Equal(forwarded + 1, _crm.Received.Count);
        var token = _crm.Received.Last().Headers[DecisionTokenCalls.Header];
        var verified = await DecisionTokenCalls.VerifyAsync(executor, token);
        Assert.Equal("live", verified.GetProperty("status").GetString());
    }

    [Fact]
    public async Task SuspendAndResume_ThroughReplicaA_ReplicaBsNextEvaluationAsksTheStoreFirstAndItsTokenIsLive()
    {
        using var executor = await ExecutorOnAAsync("crm-evaluations");
        await ReadOnBThenSuspendAndResumeOnAAsync("/v1/evaluate", ReplicaUpstreams.ReadContact("11"));

        // Nothing is carried out on an evaluation: its admission is made before its decision, never on B's view.
        using var evaluated = await _cluster.Agent(1).PostJsonAsync("/v1/evaluate", ReplicaUpstreams.ReadContact("11"));
        var text = await evaluated.Content.ReadAsStringAsync();
        Assert.True(evaluated.StatusCode == HttpStatusCode.OK, text);
        using var answer = JsonDocument.Parse(text);
        var verified = await DecisionTokenCalls.VerifyAsync(executor, DecisionTokenCalls.TokenOf(answer.RootElement));
        Assert.Equal("live", verified.GetProperty("status").GetString());
    }

    // B reads the agent's token generations (an answered request); A then moves them and lifts the suspension before B asks again.
    private async Task ReadOnBThenSuspendAndResumeOnAAsync(string path, string body)
    {
        using (var read = await _cluster.Agent(1).PostJsonAsync(path, body))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        foreach (var flip in new[] { "/suspend", "/resume" })
        {
            using var flipped = await _cluster.Admin(0).PostAsync(AgentPath + flip, content: null);
            Assert.Equal(HttpStatusCode.OK, flipped.StatusCode);
        }
    }

    // An executor's client of replica A, to verify the tokens replica B issued.
    private async Task<HttpClient> ExecutorOnAAsync(string name) =>
        DecisionTokenCalls.Bearer(_cluster[0].BaseAddress, await DecisionTokenCalls.IssueExecutorTokenAsync(_cluster.Admin(0), name));
}
