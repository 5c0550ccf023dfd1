using System.Net;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A delegated child issued through one replica is checked against its parent at that moment on every replica: the
/// parent suspended, its permission removed from the bundle, the grant revoked (with its subtree) or everything the parent
/// delegated revoked — each refuses the child's very next request on the other replica (two gateways, one redis-server),
/// and revokes the decision tokens the child already holds there before they expire.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class DelegationRevocationTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private const string AgentPath = "/admin/v1/tenants/demo/agents/";
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ReplicaCluster.StartAsync(replicas: 2, rewrite: text => DelegationCalls.TwoLevels(ReplicaUpstreams.WithoutCrmCredential(text)));

    public async Task DisposeAsync() => await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);

    [Fact]
    public async Task ChildRequest_IssuedOnReplicaA_IsAllowedOnReplicaB()
    {
        var child = await IssueOnAAsync();

        using var response = await child.PostJsonAsync("/v1/evaluate", ReadContact);

        await DecisionJson.DecisionAsync(response, "allow");
    }

    [Fact]
    public async Task ChildRequest_ParentSuspendedThroughReplicaA_IsBlockedOnReplicaB()
    {
        var child = await IssueOnAAsync();
        await AssertAllowedAsync(child);

        await PostAdminAsync(AgentPath + "demo-agent/suspend");

        using var refused = await child.PostJsonAsync("/v1/evaluate", ReadContact);
        var decision = await DecisionJson.DecisionAsync(refused, "block");
        var lifecycle = decision.GetProperty("explanation").GetProperty("decision_path")[1];
        Assert.Equal("lifecycle", lifecycle.GetProperty("control").GetString());
        Assert.Equal("fail", lifecycle.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task ChildRequest_ParentPermissionRemovedFromBundle_IsBlockedOnReplicaB()
    {
        var child = await IssueOnAAsync();
        await AssertAllowedAsync(child);

        _cluster.Bundle.Rewrite(text => text.Replace("      - { tool: crm.read_contact }\n      - { tool: crm.update_contact }", "      - { tool: crm.update_contact }", StringComparison.Ordinal));
        foreach (var gateway in _cluster.Gateways)
        {
            Assert.Empty(await gateway.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
        }

        using var refused = await child.PostJsonAsync("/v1/evaluate", ReadContact);
        var decision = await DecisionJson.DecisionAsync(refused, "block");
        Assert.Contains(decision.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(), t => t.GetProperty("reason_code").GetString() == "tool_not_permitted");
    }

    [Fact]
    public async Task ChildRequest_GrantRevokedThroughReplicaA_IsRefusedOnReplicaB()
    {
        var child = await IssueOnAAsync();
        await AssertAllowedAsync(child);

        await PostAdminAsync(AgentPath + child.Agent + "/revoke-delegation");

        using var refused = await child.PostJsonAsync("/v1/evaluate", ReadContact);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "unknown_agent");
    }

    [Fact]
    public async Task GrandchildRequest_ChildRevoked_IsRefusedWithItsSubtree()
    {
        var child = await IssueOnAAsync("""{"name":"lead","permissions":[{"tool":"crm.read_contact"}],"may_delegate":true}""");
        var (grandchild, issued) = await DelegationCalls.DelegateAsync(child, _cluster[1].Client, """{"name":"helper","permissions":[{"tool":"crm.read_contact"}],"ttl_seconds":300}""");
        Assert.Equal(3, issued.GetProperty("delegation").GetProperty("chain").GetArrayLength());
        await AssertAllowedAsync(grandchild);

        var revoked = await PostAdminAsync(AgentPath + child.Agent + "/revoke-delegation");

        Assert.Equal([child.Agent, grandchild.Agent], revoked.GetProperty("revoked").EnumerateArray().Select(r => r.GetString()));
        using var refused = await grandchild.PostJsonAsync("/v1/evaluate", ReadContact);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "unknown_agent");
    }

    [Fact]
    public async Task ChildRequest_EverythingTheParentDelegatedRevoked_IsRefusedOnReplicaB()
    {
        var child = await IssueOnAAsync("""{"name":"lead","permissions":[{"tool":"crm.read_contact"}],"may_delegate":true}""");
        var (grandchild, _) = await DelegationCalls.DelegateAsync(child, _cluster[1].Client, """{"name":"helper","permissions":[{"tool":"crm.read_contact"}],"ttl_seconds":300}""");

        await PostAdminAsync(AgentPath + "demo-agent/revoke-delegation");

        using var childRefused = await child.PostJsonAsync("/v1/evaluate", ReadContact);
        using var grandchildRefused = await grandchild.PostJsonAsync("/v1/evaluate", ReadContact);
        await ProblemAssert.IsProblemAsync(childRefused, HttpStatusCode.Unauthorized, "unknown_agent");
        await ProblemAssert.IsProblemAsync(grandchildRefused, HttpStatusCode.Unauthorized, "unknown_agent");
        using var list = await _cluster.Admin(1).GetAsync(AgentPath + "demo-agent/delegations");
        Assert.Equal(0, (await DecisionJson.ReadAsync(list, HttpStatusCode.OK)).GetProperty("delegations").GetArrayLength());
    }

    [Fact]
    public async Task ChildToken_GrantRevokedThroughReplicaA_IsRevokedOnReplicaBBeforeItExpires()
    {
        var child = await IssueOnAAsync();
        var token = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(child, ReadContact));
        using var executor = await ExecutorAsync(1);
        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "live");

        await PostAdminAsync(AgentPath + child.Agent + "/revoke-delegation");

        var answer = await DecisionTokenCalls.VerifyAsync(executor, token);
        DecisionTokenCalls.AssertStatus(answer, "revoked", "delegation_revoked");
        Assert.Equal(child.Agent, answer.GetProperty("agent").GetString());
    }

    [Fact]
    public async Task GrandchildToken_ChildRevokedThroughReplicaA_IsRevokedOnReplicaBWithItsSubtree()
    {
        var child = await IssueOnAAsync("""{"name":"lead","permissions":[{"tool":"crm.read_contact"}],"may_delegate":true}""");
        var (grandchild, _) = await DelegationCalls.DelegateAsync(child, _cluster[1].Client, """{"name":"helper","permissions":[{"tool":"crm.read_contact"}],"ttl_seconds":300}""");
        var token = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(grandchild, ReadContact));
        var sibling = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(await IssueOnAAsync(), ReadContact));
        using var executor = await ExecutorAsync(1);

        await PostAdminAsync(AgentPath + child.Agent + "/revoke-delegation");

        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "revoked", "delegation_revoked");
        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, sibling), "live");
    }

    [Fact]
    public async Task ChildToken_EverythingTheParentDelegatedRevoked_IsRevokedOnReplicaBWhileTheParentsStaysLive()
    {
        var child = await IssueOnAAsync();
        var token = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(child, ReadContact));
        var parents = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(_cluster.Agent(1), ReadContact));
        using var executor = await ExecutorAsync(1);

        await PostAdminAsync(AgentPath + "demo-agent/revoke-delegation");

        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "revoked", "delegation_revoked");
        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, parents), "live");
    }

    [Fact]
    public async Task ChildToken_ParentSuspendedThroughReplicaA_IsRevokedOnReplicaB()
    {
        var child = await IssueOnAAsync();
        var token = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(child, ReadContact));
        using var executor = await ExecutorAsync(1);

        await PostAdminAsync(AgentPath + "demo-agent/suspend");

        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "revoked", "agent_revoked");
    }

    /// <summary>Issues a child through replica A (index 0); the client it returns signs for replica B (index 1).</summary>
    private async Task<AgentClient> IssueOnAAsync(string grant = DelegationCalls.ReadContactGrant)
    {
        var (_, issued) = await DelegationCalls.DelegateAsync(_cluster.Agent(0), _cluster[0].Client, grant);
        return DelegationCalls.ChildOf(issued, _cluster[1].Client);
    }

    private static async Task AssertAllowedAsync(AgentClient child)
    {
        using var allowed = await child.PostJsonAsync("/v1/evaluate", ReadContact);
        await DecisionJson.DecisionAsync(allowed, "allow");
    }

    /// <summary>An executor's client of replica <paramref name="index"/>, its credential minted through replica A.</summary>
    private async Task<HttpClient> ExecutorAsync(int index) =>
        DecisionTokenCalls.Bearer(_cluster[index].BaseAddress, await DecisionTokenCalls.IssueExecutorTokenAsync(_cluster.Admin(0), "executor-" + Guid.NewGuid().ToString("N")[..8]));

    private async Task<System.Text.Json.JsonElement> PostAdminAsync(string path)
    {
        using var response = await _cluster.Admin(0).PostAsync(path, content: null);
        return await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
    }
}
