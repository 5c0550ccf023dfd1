using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Delegations;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Policy;

namespace Gateway.Admin.Tests.Http;

/// <summary>
/// What the admin API cannot read exactly it refuses: a body member it does not know (a miscased one too), a control
/// character in a query value, an agent that is neither registered nor a live delegated child.
/// </summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task IssueToken_UnknownOrMiscasedMember_Is400AndIssuesNothing()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        // Read as absent, "Tenant" would leave the auditor token confined to no tenant: every tenant's audit readable.
        await AssertProblemAsync(await PostJsonAsync(admin, "/admin/v1/tokens", $$"""{"name":"acme-ci","roles":["auditor"],"Tenant":"{{_tenant}}"}"""), HttpStatusCode.BadRequest, "invalid_body");
        await AssertProblemAsync(await PostJsonAsync(admin, "/admin/v1/tokens", $$"""{"name":"acme-ci","roles":["auditor"],"tenant_id":"{{_tenant}}"}"""), HttpStatusCode.BadRequest, "invalid_body");

        Assert.DoesNotContain("acme-ci", await admin.GetStringAsync("/admin/v1/tokens"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUT", "credentials/crm-key", """{"value":"v","Value":"w"}""")]
    [InlineData("POST", "credentials/crm-key/rotate", """{"value":"v","version":2}""")]
    [InlineData("POST", "runs/run-0123456789abcdef0123456789abcdef/cancel", """{"reason":"stuck","by":"ops"}""")]
    [InlineData("POST", "audit/evidence-manifest", """{"manifest_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","tenant":"other"}""")]
    public async Task AdminBody_UnknownMember_Is400InvalidBody(string method, string path, string body)
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/admin/v1/tenants/{_tenant}/{path}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };

        await AssertProblemAsync(await admin.SendAsync(request), HttpStatusCode.BadRequest, "invalid_body");
    }

    [Theory]
    [InlineData("audit/query?agent=%00")]
    [InlineData("audit/query?run_id=run%0A1")]
    [InlineData("audit/receipts?request_id=%00")]
    [InlineData("audit/proof/inclusion?request_id=%00")]
    [InlineData("audit/proof/inclusion?request_id=req%1B1")]
    public async Task AuditRead_ControlCharacterInAQueryValue_Is400InvalidQuery(string pathAndQuery)
    {
        using var auditor = _host.Client(await _host.IssueTokenAsync("cc-auditor-" + Guid.NewGuid().ToString("N")[..6], AdminRoles.Auditor));

        await AssertProblemAsync(await auditor.GetAsync($"/admin/v1/tenants/{_tenant}/{pathAndQuery}"), HttpStatusCode.BadRequest, "invalid_query");
    }

    [Fact]
    public async Task AgentStatus_UnknownAgent_Is404AgentNotFound()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);
        await _host.Get<DelegationStore>().CreateAsync(LiveChild(Child, "agent-1"));

        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/agents/agent-typo/status"), HttpStatusCode.NotFound, "agent_not_found");
        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/agents/{Grandchild}/status"), HttpStatusCode.NotFound, "agent_not_found");
        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{TestServices.NewTenant()}/agents/agent-1/status"), HttpStatusCode.NotFound, "tenant_not_found");
        using var registered = await admin.GetAsync($"/admin/v1/tenants/{_tenant}/agents/agent-1/status");
        using var child = await admin.GetAsync($"/admin/v1/tenants/{_tenant}/agents/{Child}/status");
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, child.StatusCode);
        Assert.Equal(1, (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("live_delegations").GetInt32());
    }

    [Fact]
    public async Task AuditExport_AnyTenant_IsApplicationJsonl()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        using var export = await admin.GetAsync($"/admin/v1/tenants/{_tenant}/audit/export");

        Assert.Equal("application/jsonl", export.Content.Headers.ContentType?.MediaType);
    }

    private static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private DelegationRecord LiveChild(string id, string parent) => new()
    {
        Id = id,
        Tenant = _tenant,
        Workspace = "ws-" + _tenant,
        Name = "payer",
        Parent = parent,
        Chain = [new ActorLink(ActorKind.Agent, parent), new ActorLink(ActorKind.Delegate, id)],
        Permissions = [],
        AtfLevel = AtfLevel.L1,
        DataClassCeiling = DataClass.Public,
        Depth = 1,
        CreatedAt = DateTimeOffset.UtcNow,
        ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
    };
}
