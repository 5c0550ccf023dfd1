using System.Net;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Infrastructure.DecisionTokenCalls;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// Decision tokens on a real Redis shared by two replicas: a token issued by one replica verifies live on the other,
/// and each kind of revocation made through one replica (a suspended agent, a kill switch, a suspended tenant, a
/// revoked approval, a reload that changes the decision) is seen by the other's very next verification: the bound is
/// one store read, nothing on the gateway caches a token's state. An evaluation's token is used once across replicas.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class DecisionTokenRevocationTests : IAsyncLifetime
{
    private const string AgentPath = "/admin/v1/tenants/demo/agents/demo-agent";

    // A second tenant, so that the bundle still holds one once the demo tenant's file is deleted.
    private const string SpareTenant = """
        tenant: spare
        workspaces: [ws-spare]
        approvers: [{ id: sam }]
        catalog:
          - { name: spare.read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none, data_classes: [internal] }
        agents:
          - { id: spare-agent, human_owner: h@example.com, security_owner: sam, atf_level: L3, permissions: [{ tool: spare.read }] }
        """;

    private static readonly string ReadContact = ReplicaUpstreams.ReadContact("42");
    private KestrelUpstream _crm = null!;
    private ReplicaCluster _cluster = null!;
    private HttpClient _executorA = null!;
    private HttpClient _executorB = null!;

    public async Task InitializeAsync()
    {
        _crm = await KestrelUpstream.StartAsync(app =>
        {
            app.MapGet("/crm/contacts/{id}", static (string id) => Microsoft.AspNetCore.Http.Results.Json(new { id, name = "Ada Lovelace" }));
            app.MapPost("/payments/refunds", static () => Microsoft.AspNetCore.Http.Results.Json(new { status = "refunded" }));
        });
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 2,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin, ["http://127.0.0.1:9130"] = _crm.Origin },
            text => ReplicaUpstreams.WithoutCrmCredential(text).Replace("credential: vault:payments-key", "credential: none", StringComparison.Ordinal));
        var executor = await IssueExecutorTokenAsync(_cluster.Admin(0), "crm-executor");
        _executorA = Bearer(_cluster[0].BaseAddress, executor);
        _executorB = Bearer(_cluster[1].BaseAddress, executor);
    }

    public async Task DisposeAsync()
    {
        _executorA?.Dispose();
        _executorB?.Dispose();
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task Verify_ATokenIssuedByReplicaA_IsLiveOnReplicaB()
    {
        var token = await ForwardedTokenAsync(0);

        AssertStatus(await VerifyAsync(_executorB, token), "live");
        AssertStatus(await VerifyAsync(_executorA, token), "live");
    }

    [Fact]
    public async Task Consume_TwentyCallsAcrossBothReplicas_ExactlyOneIsLiveAndTheTokenIsUsedFromThenOn()
    {
        var token = await ForwardedTokenAsync(0);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => ConsumeAsync(i % 2 == 0 ? _executorA : _executorB, token)));

        var live = Assert.Single(answers, a => a.GetProperty("status").GetString() == "live");
        Assert.True(live.GetProperty("consumed").GetBoolean());
        Assert.All(answers.Where(a => a.GetProperty("status").GetString() != "live"), a =>
        {
            AssertStatus(a, "revoked", "used");
            Assert.False(a.GetProperty("consumed").GetBoolean());
        });
        AssertStatus(await VerifyAsync(_executorB, token), "revoked", "used");
        AssertStatus(await VerifyAsync(_executorA, token), "revoked", "used");
    }

    [Fact]
    public async Task Verify_WithoutConsume_LeavesTheTokenLiveForAConsumingCallOnTheOtherReplica()
    {
        var token = await ForwardedTokenAsync(1);

        AssertStatus(await VerifyAsync(_executorA, token), "live");
        AssertStatus(await VerifyAsync(_executorA, token), "live");
        AssertStatus(await ConsumeAsync(_executorB, token), "live");
        AssertStatus(await ConsumeAsync(_executorA, token), "revoked", "used");
    }

    [Theory]
    [InlineData(AgentPath + "/suspend", AgentPath + "/resume", "agent_revoked")]
    [InlineData(AgentPath + "/revoke-secret", AgentPath + "/restore-secret", "agent_revoked")]
    [InlineData("/admin/v1/tenants/demo/suspend", "/admin/v1/tenants/demo/resume", "tenant_revoked")]
    public async Task Revoke_ThroughReplicaB_IsSeenByReplicaAsNextVerification(string revoke, string restore, string reason)
    {
        var token = await ForwardedTokenAsync(0);
        AssertStatus(await VerifyAsync(_executorA, token), "live");

        await PostAdminAsync(1, revoke);
        try
        {
            AssertStatus(await VerifyAsync(_executorA, token), "revoked", reason);
        }
        finally
        {
            await PostAdminAsync(1, restore);
        }

        AssertStatus(await VerifyAsync(_executorA, token), "revoked", reason);
    }

    [Fact]
    public async Task RevokeApproval_ThroughReplicaB_RevokesTheTokenIssuedUnderItOnReplicaA()
    {
        const string refund = """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""";
        var agentA = _cluster.Agent(0);
        var alice = await ApproverAsync("alice");
        var (approvalId, warrant) = await ApprovalCalls.ApprovedWarrantAsync(agentA, alice, refund);
        using (var redeemed = await agentA.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(refund, warrant)))
        {
            await DecisionJson.DecisionAsync(redeemed, "allow_and_log");
        }

        var token = _crm.Received.Last(r => r.Target.StartsWith("/payments/refunds", StringComparison.Ordinal)).Headers[Header];
        AssertStatus(await VerifyAsync(_executorA, token), "live");

        // Its warrant was used: the revocation says the action was carried out, and voids its token all the same.
        using (var revoke = await _cluster.Admin(1).PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/revoke", content: null))
        {
            await ProblemAssert.IsProblemAsync(revoke, HttpStatusCode.Conflict, "approval_already_used");
        }

        AssertStatus(await VerifyAsync(_executorA, token), "revoked", "approval_revoked");
    }

    [Fact]
    public async Task Reload_OnReplicaBThatBlocksTheTool_RevokesReplicaAsTokensBeforeReplicaAReloads()
    {
        var token = await ForwardedTokenAsync(0);
        AssertStatus(await VerifyAsync(_executorA, token), "live");

        _cluster.Bundle.Rewrite(text => text.Replace(
            "    permissions:\n      - { tool: crm.read_contact }\n      - { tool: crm.update_contact }",
            "    permissions:\n      - { tool: crm.update_contact }",
            StringComparison.Ordinal));
        Assert.Empty(await _cluster[1].Services.GetRequiredService<PolicyProvider>().ReloadAsync());
        using (var blocked = await _cluster.Agent(1).PostJsonAsync("/v1/actions/invoke-tool", ReadContact))
        {
            await ProblemAssert.IsProblemAsync(blocked, HttpStatusCode.Forbidden, "blocked");
        }

        await Gateway.Testing.Eventually.HoldsAsync(async () => (await VerifyAsync(_executorA, token)).GetProperty("status").GetString() != "live",
            TimeSpan.FromSeconds(10), "replica B's policy was not in force within 10 s");

        AssertStatus(await VerifyAsync(_executorA, token), "revoked", "policy_changed");
    }

    [Fact]
    public async Task Reload_RemovingTheTenant_RevokesItsTokens()
    {
        File.WriteAllText(Path.Combine(_cluster.Bundle.Directory, "spare.yaml"), SpareTenant);
        await ReloadAsync(0);
        await ReloadAsync(1);
        var token = await ForwardedTokenAsync(0);
        AssertStatus(await VerifyAsync(_executorA, token), "live");

        // The operator offboards the tenant by deleting its file; replica B applies the bundle first.
        File.Delete(_cluster.Bundle.MainFile);
        await ReloadAsync(1);

        AssertStatus(await VerifyAsync(_executorA, token), "revoked", "policy_changed");
        AssertStatus(await ConsumeAsync(_executorB, token), "revoked", "policy_changed");
    }

    [Fact]
    public async Task Reload_LeavingTheTenantsPolicyAsItWas_DoesNotWriteItAgain()
    {
        var token = await ForwardedTokenAsync(0);
        AssertStatus(await VerifyAsync(_executorA, token), "live");

        // As another replica that applied a newer policy of the tenant writes it.
        await _cluster[1].Services.GetRequiredService<IStateStore>().SetAsync(StoreKeys.TokenPolicyDigest(DemoBundle.Tenant), new string('0', 64), expiry: null);
        AssertStatus(await VerifyAsync(_executorA, token), "revoked", "policy_changed");

        // Replica A, still on the older policy, reloads (a SIGHUP, a secret file replaced): nothing changed for the tenant.
        await ReloadAsync(0);

        AssertStatus(await VerifyAsync(_executorB, token), "revoked", "policy_changed");
    }

    [Fact]
    public async Task EvaluateOnReplicaA_ActOnReplicaB_OnceOnly()
    {
        using var evaluate = await _cluster.Agent(0).PostJsonAsync("/v1/evaluate", ReadContact);
        var token = TokenOf(await DecisionJson.DecisionAsync(evaluate, "allow"));

        using (var acted = await ActAsync(_cluster.Agent(1), ReadContact, token))
        {
            await DecisionJson.DecisionAsync(acted, "allow");
        }

        var forwarded = _crm.Received.Count;
        using (var again = await ActAsync(_cluster.Agent(0), ReadContact, token))
        {
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Forbidden, "decision_token_used");
        }

        Assert.Equal(forwarded, _crm.Received.Count);
        AssertStatus(await VerifyAsync(_executorB, token), "revoked", "used");
    }

    [Fact]
    public async Task Act_OnReplicaBForAnotherIntentThanEvaluatedOnReplicaA_IsRefused()
    {
        using var evaluate = await _cluster.Agent(0).PostJsonAsync("/v1/evaluate", ReadContact);
        var token = TokenOf(await DecisionJson.DecisionAsync(evaluate, "allow"));
        var forwarded = _crm.Received.Count;

        using var other = await ActAsync(_cluster.Agent(1), ReplicaUpstreams.ReadContact("43"), token);

        await ProblemAssert.IsProblemAsync(other, HttpStatusCode.Forbidden, "decision_token_mismatch");
        Assert.Equal(forwarded, _crm.Received.Count);
    }

    [Fact]
    public async Task Act_ConcurrentlyOnBothReplicasWithOneEvaluation_RunsExactlyOnce()
    {
        using var evaluate = await _cluster.Agent(0).PostJsonAsync("/v1/evaluate", ReadContact);
        var token = TokenOf(await DecisionJson.DecisionAsync(evaluate, "allow"));
        var forwarded = _crm.Received.Count;

        var attempts = Enumerable.Range(0, 8).Select(i => ActAsync(_cluster.Agent(i % 2), ReadContact, token)).ToArray();
        var responses = await Task.WhenAll(attempts);

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Forbidden));
        Assert.Equal(forwarded + 1, _crm.Received.Count);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    private async Task<string> ForwardedTokenAsync(int replica)
    {
        var before = _crm.Received.Count;
        using var response = await _cluster.Agent(replica).PostJsonAsync("/v1/actions/invoke-tool", ReadContact);
        await DecisionJson.DecisionAsync(response, "allow");
        Assert.Equal(before + 1, _crm.Received.Count);
        return _crm.Received.Last().Headers[Header];
    }

    // Reloads the replica's bundle and waits until what it writes of the policies in force landed in the store.
    private async Task ReloadAsync(int replica)
    {
        Assert.Empty(await _cluster[replica].Services.GetRequiredService<PolicyProvider>().ReloadAsync());
        await _cluster[replica].Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<PolicyInForcePublisher>().Single().Publishing;
    }

    private async Task PostAdminAsync(int replica, string path)
    {
        using var response = await _cluster.Admin(replica).PostAsync(path, content: null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<HttpClient> ApproverAsync(string person)
    {
        var admin = _cluster.Admin(0);
        var minter = Bearer(_cluster[0].BaseAddress, await MintAsync(admin, new { name = "minter-of-" + person, roles = new[] { "admin" } }));
        return Bearer(_cluster[1].BaseAddress, await MintAsync(minter, new { name = person, roles = new[] { "approver" }, tenant = "demo", person }));
    }

    private static async Task<string> MintAsync(HttpClient admin, object body)
    {
        using var response = await admin.PostAsync("/admin/v1/tokens", new StringContent(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }
}
