using System.Buffers.Text;
using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// <c>POST /v1/delegations</c>: a child that only narrows its parent, governed like any agent against its parent's
/// entry narrowed by the grant; every widening refused with what was asked beyond the parent; the actor chain in the
/// decision, its token and its audit record.
/// </summary>
public sealed class DelegationTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(DelegationCalls.TwoLevels);

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Delegate_WithinParent_Returns201WithChildIdAndSecretOnce()
    {
        var (_, issued) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);

        var agent = issued.GetProperty("agent").GetString()!;
        Assert.Matches("^dlg-[a-z2-7]{26}$", agent);
        Assert.Equal(43, issued.GetProperty("secret").GetString()!.Length);
        var grant = issued.GetProperty("delegation");
        Assert.Equal("demo-agent", grant.GetProperty("parent").GetString());
        Assert.Equal("L3", grant.GetProperty("atf_level").GetString());
        Assert.Equal("internal", grant.GetProperty("data_class_ceiling").GetString());
        Assert.Equal(1, grant.GetProperty("depth").GetInt32());
        var expires = grant.GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));

        // Listed by the admin API, without its secret.
        using var list = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/agents/demo-agent/delegations");
        var listed = await list.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(agent, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.GetProperty("secret").GetString()!, listed, StringComparison.Ordinal);
        Assert.DoesNotContain("envelope", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChildRequest_WithinGrant_IsAllowedWithTheChainInDecisionTokenAndRecord()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);

        using var response = await child.PostJsonAsync("/v1/evaluate", ReadContact);

        var decision = await DecisionJson.DecisionAsync(response, "allow");
        AssertChain(decision.GetProperty("explanation").GetProperty("actor_chain"), child.Agent);
        var token = decision.GetProperty("decision_token").GetString()!;
        var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement;
        Assert.Equal(child.Agent, payload.GetProperty("aid").GetString());
        AssertChain(payload.GetProperty("chn"), child.Agent);
        var executor = _gw.Admin(await DecisionTokenCalls.IssueExecutorTokenAsync(_gw.Admin(), "executor"));
        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "live");

        var record = await RecordOfAsync(child.Agent, "allow");
        AssertChain(record.GetProperty("actor_chain"), child.Agent);
        using var verify = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/audit/verify");
        Assert.True((await DecisionJson.ReadAsync(verify, HttpStatusCode.OK)).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task ChildToken_ParentSuspended_IsRevoked()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);
        var token = DecisionTokenCalls.TokenOf(await DecisionTokenCalls.EvaluateAsync(child, ReadContact));
        var executor = _gw.Admin(await DecisionTokenCalls.IssueExecutorTokenAsync(_gw.Admin(), "executor"));

        using (var suspend = await _gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        DecisionTokenCalls.AssertStatus(await DecisionTokenCalls.VerifyAsync(executor, token), "revoked", "agent_revoked");
    }

    [Fact]
    public async Task ChildRequest_ToolBeyondGrant_IsBlockedByToolPermission()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);

        using var response = await child.PostJsonAsync("/v1/evaluate", """{"tool":"crm.update_contact","args":{"id":"c-1"}}""");

        var decision = await DecisionJson.DecisionAsync(response, "block");
        var failing = decision.GetProperty("explanation").GetProperty("decision_path").EnumerateArray().Single(c => c.GetProperty("control").GetString() == "tool_permission");
        Assert.Equal("fail", failing.GetProperty("outcome").GetString());
        AssertChain(decision.GetProperty("explanation").GetProperty("actor_chain"), child.Agent);
    }

    [Fact]
    public async Task ChildRequest_DataClassAboveCeiling_IsBlockedByDataMovement()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);

        using var response = await child.PostJsonAsync("/v1/evaluate", """{"tool":"crm.read_contact","args":{"id":"c-1"},"data_classes":["pii"]}""");

        var decision = await DecisionJson.DecisionAsync(response, "block");
        Assert.Contains(decision.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(), t => t.GetProperty("reason_code").GetString() == "beyond_delegation_ceiling");
    }

    [Fact]
    public async Task ChildRequest_AtfLevelNarrowed_AppliesTheLowerLevel()
    {
        var grant = """{"name":"intern","permissions":[{"tool":"crm.update_contact"}],"atf_level":"L1"}""";
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client, grant);

        using var parent = await _gw.Agent.PostJsonAsync("/v1/evaluate", """{"tool":"crm.update_contact","args":{"id":"c-1"}}""");
        using var response = await child.PostJsonAsync("/v1/evaluate", """{"tool":"crm.update_contact","args":{"id":"c-1"}}""");

        Assert.NotEqual("block", (await DecisionJson.ReadAsync(parent, HttpStatusCode.OK)).GetProperty("decision").GetString());
        var decision = await DecisionJson.DecisionAsync(response, "block");
        Assert.Contains(decision.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(), t => t.GetProperty("reason_code").GetString() == "atf_boundary_exceeded");
    }

    [Theory]
    [InlineData("tool", """{"name":"x","permissions":[{"tool":"shell.exec"}]}""", "tool 'shell.exec'")]
    [InlineData("action_type", """{"name":"x","permissions":[{"tool":"crm.read_contact","action_types":["read","delete"]}]}""", "action type 'delete' on tool 'crm.read_contact'")]
    [InlineData("atf_level", """{"name":"x","permissions":[{"tool":"crm.read_contact"}],"atf_level":"L4"}""", "ATF level L4 is above")]
    [InlineData("ttl", """{"name":"x","permissions":[{"tool":"crm.read_contact"}],"ttl_seconds":3600}""", "ttl_seconds 3600 is above the tenant's maximum of 900")]
    [InlineData("depth", """{"name":"x","permissions":[{"tool":"crm.read_contact"}],"may_delegate":true,"ttl_seconds":60}""", null)]
    public async Task Delegate_WideningTheParent_Is403NamingWhatWasAskedBeyond(string kind, string grant, string? detail)
    {
        // depth: the tenant allows two levels, so a child's own child asking to delegate further is the third.
        var parent = _gw.Agent;
        if (kind == "depth")
        {
            (parent, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client, """{"name":"lead","permissions":[{"tool":"crm.read_contact"}],"may_delegate":true}""");
        }

        using var response = await DelegationCalls.RequestAsync(parent, grant);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "delegation_widens_authority");
        var widening = Assert.Single(problem.GetProperty("widenings").EnumerateArray());
        Assert.Equal(kind, widening.GetProperty("kind").GetString());
        if (detail is not null)
        {
            Assert.Contains(detail, widening.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Delegate_DataClassAboveParentsCeiling_Is403DataClass()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client,
            """{"name":"lead","permissions":[{"tool":"crm.read_contact"}],"data_class_ceiling":"internal","may_delegate":true}""");

        using var response = await DelegationCalls.RequestAsync(child, """{"name":"x","permissions":[{"tool":"crm.read_contact"}],"data_class_ceiling":"pii","ttl_seconds":60}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "delegation_widens_authority");
        var widening = Assert.Single(problem.GetProperty("widenings").EnumerateArray());
        Assert.Equal("data_class", widening.GetProperty("kind").GetString());
        Assert.Contains("'pii' is above", widening.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delegate_ByChildNotAllowedToDelegate_Is403Depth()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);

        using var response = await DelegationCalls.RequestAsync(child, """{"name":"x","permissions":[{"tool":"crm.read_contact"}]}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "delegation_widens_authority");
        Assert.Equal("depth", Assert.Single(problem.GetProperty("widenings").EnumerateArray()).GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Delegate_SeveralWidenings_AreAllNamedInOneAnswer()
    {
        using var response = await DelegationCalls.RequestAsync(_gw.Agent,
            """{"name":"x","permissions":[{"tool":"shell.exec"},{"tool":"crm.read_contact","action_types":["write"]}],"atf_level":"L4","ttl_seconds":3600}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "delegation_widens_authority");
        Assert.Equal(["tool", "action_type", "atf_level", "ttl"], problem.GetProperty("widenings").EnumerateArray().Select(w => w.GetProperty("kind").GetString()));
    }

    [Theory]
    [InlineData("""{"permissions":[{"tool":"crm.read_contact"}]}""", "the required member 'name' is missing")]
    [InlineData("""{"name":"x"}""", "the required member 'permissions' (the tools the child may use")]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact"}],"ttl_seconds":0}""", "ttl_seconds")]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact"}],"atf_level":"L9"}""", "atf_level must be one of")]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact"}],"extra":1}""", "at $.extra (line 1, byte 65): unknown member 'extra'")]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact"}],"permissions":[{"tool":"shell.exec"}]}""", "duplicate property 'permissions'")]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact","tool":"shell.exec"}]}""", "duplicate property 'tool'")]
    public async Task Delegate_MalformedGrant_Is400SayingWhat(string grant, string detail)
    {
        using var response = await DelegationCalls.RequestAsync(_gw.Agent, grant);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name":"helper\n","permissions":[{"tool":"crm.read_contact"}]}""", "name must be")]
    [InlineData("""{"name":"helper","run_id":"run-1\n","permissions":[{"tool":"crm.read_contact"}]}""", "run_id must be")]
    public async Task Delegate_NameOrRunIdWithTrailingNewline_Is400(string grant, string detail)
    {
        // A regex's $ matches before a final newline; the name and run_id are whole-string patterns.
        using var response = await DelegationCalls.RequestAsync(_gw.Agent, grant);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChildRequest_AfterExpiry_IsRefusedAsUnknownAgent()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client,
            """{"name":"brief","permissions":[{"tool":"crm.read_contact"}],"ttl_seconds":1}""");
        using (var before = await child.PostJsonAsync("/v1/evaluate", ReadContact))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // The child lives one second of the gateway's clock: asked until it is gone, then the refusal is read.
        HttpResponseMessage? after = null;
        await Eventually.HoldsAsync(async () =>
        {
            after?.Dispose();
            after = await child.PostJsonAsync("/v1/evaluate", ReadContact);
            return after.StatusCode != HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30), "the child was still served 30 s after its one-second lifetime");

        using (after)
        {
            await ProblemAssert.IsProblemAsync(after!, HttpStatusCode.Unauthorized, "unknown_agent");
        }
    }

    [Fact]
    public async Task ChildRequest_WrongSecret_IsRefusedSignatureMismatch()
    {
        var (child, _) = await DelegationCalls.DelegateAsync(_gw.Agent, _gw.Host.Client);
        var forged = new AgentClient(_gw.Host.Client, _gw.Bundle.AgentSecret, agent: child.Agent);

        using var response = await forged.PostJsonAsync("/v1/evaluate", ReadContact);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Fact]
    public async Task Delegate_RefusedWidening_IsRecordedInTheAuditChain()
    {
        using var response = await DelegationCalls.RequestAsync(_gw.Agent, """{"name":"x","permissions":[{"tool":"shell.exec"}]}""");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var record = await RecordOfAsync("demo-agent", "refused:delegation_widens_authority");
        Assert.Equal("delegation", record.GetProperty("tool").GetString());
    }

    [Fact]
    public async Task Delegate_RepeatedPermissionsMember_Is400Recorded()
    {
        using var response = await DelegationCalls.RequestAsync(_gw.Agent, """{"name":"x","permissions":[{"tool":"crm.read_contact"}],"permissions":[{"tool":"shell.exec"}]}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("delegation", record.GetProperty("tool").GetString());
        Assert.Equal("refused:malformed_body", record.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Delegate_AfterSecretRevoked_Is401RecordedUnderDelegation()
    {
        using (var revoke = await _gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/revoke-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var response = await DelegationCalls.RequestAsync(_gw.Agent, """{"name":"x","permissions":[{"tool":"crm.read_contact"}]}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_revoked");
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("delegation", record.GetProperty("tool").GetString());
        Assert.Equal("refused:secret_revoked", record.GetProperty("decision").GetString());
    }

    private async Task<JsonElement> RecordOfAsync(string agent, string decision)
    {
        using var query = await _gw.Admin().GetAsync($"/admin/v1/tenants/demo/audit/query?agent={agent}&decision={decision}");
        var records = (await DecisionJson.ReadAsync(query, HttpStatusCode.OK)).GetProperty("records");
        return records.EnumerateArray().Last();
    }

    private static void AssertChain(JsonElement chain, string child)
    {
        var links = chain.EnumerateArray().ToList();
        Assert.Equal(2, links.Count);
        Assert.Equal("agent", links[0].GetProperty("kind").GetString());
        Assert.Equal("demo-agent", links[0].GetProperty("id").GetString());
        Assert.Equal("delegate", links[1].GetProperty("kind").GetString());
        Assert.Equal(child, links[1].GetProperty("id").GetString());
    }
}
