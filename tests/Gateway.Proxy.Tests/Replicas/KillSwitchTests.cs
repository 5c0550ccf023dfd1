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
}
