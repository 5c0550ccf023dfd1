using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Audit;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Credentials;
using Gateway.Oversight.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Tests.Http;

public sealed partial class AdminApiTests : IAsyncLifetime
{
    private const string Child = "dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string Grandchild = "dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb";

    private readonly string _tenant = TestServices.NewTenant();
    private AdminTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await AdminTestHost.StartAsync(configureServices: s => s.AddSingleton<ICredentialAdmin, FakeCredentialAdmin>());
        _host.Register.Add(_tenant, approvers: ["alice", "bob", "carol", "dave"], agents: ["agent-1", "agent-2"], owners: new Dictionary<string, string> { ["agent-2"] = "carol" });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnyRoute_NoToken_Is401ProblemWithCode()
    {
        using var client = _host.Client(null);

        using var response = await client.GetAsync($"/admin/v1/tenants/{_tenant}/approvals");

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "admin_token_missing");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task AnyRoute_UnknownToken_Is401Invalid()
    {
        using var client = _host.Client("gwa_made-up");

        await AssertProblemAsync(await client.GetAsync($"/admin/v1/tenants/{_tenant}/audit/verify"), HttpStatusCode.Unauthorized, "admin_token_invalid");
    }

    [Fact]
    public async Task AnyRoute_RevokedToken_Is401Revoked()
    {
        var token = await _host.IssueTokenAsync("dana", AdminRoles.Auditor);
        using var client = _host.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/admin/v1/tenants/{_tenant}/audit/verify")).StatusCode);

        using var admin = _host.Client(AdminTestServices.BootstrapToken);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/admin/v1/tokens/dana")).StatusCode);

        await AssertProblemAsync(await client.GetAsync($"/admin/v1/tenants/{_tenant}/audit/verify"), HttpStatusCode.Unauthorized, "admin_token_revoked");
    }

    [Fact]
    public async Task IssueToken_ANameAnotherTenantUses_Is201AndTwiceInOneTenantIs409()
    {
        // Names are per tenant: an admin confined to one tenant must not learn another tenant's token names from a 409.
        var other = TestServices.NewTenant();
        _host.Register.Add(other, approvers: ["erin"]);
        using var ownAdmin = _host.Client(await _host.IssueTokenAsync(new AdminTokenSpec("own-admin", [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator));
        using var otherAdmin = _host.Client(await _host.IssueTokenAsync(new AdminTokenSpec("other-admin", [AdminRoles.Admin]) { Tenant = other }, AdminTestServices.Operator));

        using var theirs = await otherAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "ci-reader", roles = new[] { "auditor" }, tenant = other });
        using var ours = await ownAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "ci-reader", roles = new[] { "auditor" }, tenant = _tenant });
        var twice = await ownAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "ci-reader", roles = new[] { "auditor" }, tenant = _tenant });

        Assert.Equal(HttpStatusCode.Created, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.Created, ours.StatusCode);
        await AssertProblemAsync(twice, HttpStatusCode.Conflict, "token_name_taken");
        Assert.Equal(HttpStatusCode.OK, (await ownAdmin.DeleteAsync("/admin/v1/tokens/ci-reader")).StatusCode);
        var listed = await otherAdmin.GetFromJsonAsync<JsonElement>("/admin/v1/tokens");
        Assert.Single(listed.GetProperty("tokens").EnumerateArray(), t => t.GetProperty("name").GetString() == "ci-reader" && !t.GetProperty("revoked").GetBoolean());
        using var admin = _host.Client(AdminTestServices.BootstrapToken);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/admin/v1/tokens/ci-reader?tenant={other}")).StatusCode);
    }

    [Fact]
    public async Task IssueToken_ApproverRole_Is403RoleRequired()
    {
        using var client = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));

        await AssertProblemAsync(await client.PostAsJsonAsync("/admin/v1/tokens", new { name = "eve", roles = new[] { "admin" } }), HttpStatusCode.Forbidden, "admin_role_required");
    }

    [Fact]
    public async Task Suspend_ByAdmin_IsSeenByAnotherServiceInstanceOnTheSameStore()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        using var response = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/agents/agent-1/suspend", null);
        var otherReplica = TestServices.Agents(_host.Store, TimeProvider.System);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("suspended").GetBoolean());
        Assert.Equal(new AgentStatus(true, false), await otherReplica.GetAsync(_tenant, "agent-1"));
        using var revoke = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/agents/agent-1/revoke-secret", null);
        using var resume = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/agents/agent-1/resume", null);
        Assert.Equal(new AgentStatus(false, true), await otherReplica.GetAsync(_tenant, "agent-1"));
    }

    [Fact]
    public async Task Suspend_InvalidTenant_Is400()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.PostAsync("/admin/v1/tenants/bad%7Dtenant/agents/agent-1/suspend", null), HttpStatusCode.BadRequest, "invalid_tenant");
    }

    [Fact]
    public async Task Credentials_PutThenList_NeverReturnsTheValue()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        using var put = await admin.PutAsJsonAsync($"/admin/v1/tenants/{_tenant}/credentials/crm-key", new { value = "s3cr3t-value" });
        using var list = await admin.GetAsync($"/admin/v1/tenants/{_tenant}/credentials");
        var text = await list.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Contains("crm-key", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", text, StringComparison.Ordinal);
        var journal = await _host.Get<AuditJournal>().ReadAsync(_tenant, 0, 10);
        Assert.DoesNotContain("s3cr3t-value", journal.Single().GetRawText(), StringComparison.Ordinal);
        await AssertProblemAsync(await admin.PostAsJsonAsync($"/admin/v1/tenants/{_tenant}/credentials/missing/rotate", new { value = "x" }), HttpStatusCode.NotFound, "credential_not_found");
    }

    [Fact]
    public async Task Credentials_Reencrypt_SealsTheTenantsCredentialsAgainAndIsAudited()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);
        using var put = await admin.PutAsJsonAsync($"/admin/v1/tenants/{_tenant}/credentials/crm-key", new { value = "s3cr3t-value" });

        using var reencrypt = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/credentials/reencrypt", null);

        Assert.Equal(HttpStatusCode.OK, reencrypt.StatusCode);
        Assert.Equal(1, (await reencrypt.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reencrypted").GetInt32());
        Assert.Equal([_tenant], ((FakeCredentialAdmin)_host.Get<ICredentialAdmin>()).Reencrypted);
        var journal = await _host.Get<AuditJournal>().ReadAsync(_tenant, 0, 10);
        Assert.Contains(journal, r => r.GetProperty("tool").GetString() == "admin.credential.reencrypt");
    }

    [Fact]
    public async Task Credentials_NoVaultWired_Is501()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var admin = host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/credentials"), HttpStatusCode.NotImplemented, "credentials_not_configured");
    }

    [Fact]
    public async Task IssueToken_ChunkedBodyPastTheBound_IsCutOffNotReadInFull()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);
        var source = new EndlessSpaces();
        using var content = new StreamContent(source);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        try
        {
            using var response = await admin.PostAsync("/admin/v1/tokens", content);
            await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "invalid_body");
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still sending: what counts is how much it took.
        }

        // Kestrel's own limit (30,000,000 bytes) is what a body read in full would reach; the bound is 64 KiB.
        Assert.True(source.Produced < 16_000_000, $"{source.Produced} bytes were taken");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"name":"ci","roles":["auditor"],"roles":["admin"]}""")]
    public async Task IssueToken_MalformedBody_Is400InvalidBody(string body)
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        await AssertProblemAsync(await admin.PostAsync("/admin/v1/tokens", content), HttpStatusCode.BadRequest, "invalid_body");
    }

    [Fact]
    public async Task UnknownAdminRoute_Authenticated_Is404Problem()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync("/admin/v1/nothing/here"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task IssueToken_ApproverNotInTheRegister_Is400()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.PostAsJsonAsync("/admin/v1/tokens", new { name = "m1", roles = new[] { "approver" }, tenant = _tenant, person = "mallory" }), HttpStatusCode.BadRequest, "token_person_unknown");
        await AssertProblemAsync(await admin.PostAsJsonAsync("/admin/v1/tokens", new { name = "m2", roles = new[] { "approver" } }), HttpStatusCode.BadRequest, "token_scope_invalid");
    }

    [Fact]
    public async Task IssueToken_TenantAdminForAnotherTenant_Is403()
    {
        var otherTenant = TestServices.NewTenant();
        _host.Register.Add(otherTenant, approvers: ["alice"]);
        using var tenantAdmin = _host.Client(await _host.IssueTokenAsync(new AdminTokenSpec("acme-admin-" + _tenant, [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator));

        await AssertProblemAsync(await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "x1", roles = new[] { "approver" }, tenant = otherTenant, person = "alice" }), HttpStatusCode.Forbidden, "token_scope_forbidden");
        using var own = await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "x2-" + _tenant, roles = new[] { "approver" }, tenant = _tenant, person = "alice" });
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }

    [Fact]
    public async Task IssueToken_TenantAdminNamingAnotherTenant_SameRefusalWhetherItExistsAndWhoeverItsApproversAre()
    {
        var otherTenant = TestServices.NewTenant();
        _host.Register.Add(otherTenant, approvers: ["alice"]);
        using var tenantAdmin = _host.Client(await _host.IssueTokenAsync(new AdminTokenSpec("probe-admin-" + _tenant, [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator));

        // Neither a made-up tenant nor another tenant's non-approver may be told apart from a real one.
        await AssertProblemAsync(await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "p1", roles = new[] { "auditor" }, tenant = TestServices.NewTenant() }), HttpStatusCode.Forbidden, "token_scope_forbidden");
        await AssertProblemAsync(await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "p2", roles = new[] { "auditor" }, tenant = otherTenant }), HttpStatusCode.Forbidden, "token_scope_forbidden");
        await AssertProblemAsync(await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "p3", roles = new[] { "approver" }, tenant = otherTenant, person = "mallory" }), HttpStatusCode.Forbidden, "token_scope_forbidden");
        await AssertProblemAsync(await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "p4", roles = new[] { "approver" }, tenant = otherTenant, person = "alice" }), HttpStatusCode.Forbidden, "token_scope_forbidden");
    }

    [Fact]
    public async Task ListTokens_ShowsNamesNeverSecrets_AndATenantAdminOnlyItsTenant()
    {
        var otherTenant = TestServices.NewTenant();
        _host.Register.Add(otherTenant, approvers: ["alice"]);
        var ownName = "list-own-" + _tenant;
        var otherName = "list-other-" + otherTenant;
        var ownToken = await _host.IssueTokenAsync(new AdminTokenSpec(ownName, [AdminRoles.Auditor]) { Tenant = _tenant }, AdminTestServices.Operator);
        await _host.IssueTokenAsync(new AdminTokenSpec(otherName, [AdminRoles.Auditor]) { Tenant = otherTenant }, AdminTestServices.Operator);
        using var tenantAdmin = _host.Client(await _host.IssueTokenAsync(new AdminTokenSpec("list-admin-" + _tenant, [AdminRoles.Admin]) { Tenant = _tenant }, AdminTestServices.Operator));
        using var operatorClient = _host.Client(AdminTestServices.BootstrapToken);

        var all = await operatorClient.GetStringAsync("/admin/v1/tokens");
        var confined = await tenantAdmin.GetStringAsync("/admin/v1/tokens");

        Assert.Contains(ownName, all, StringComparison.Ordinal);
        Assert.Contains(otherName, all, StringComparison.Ordinal);
        Assert.Contains(ownName, confined, StringComparison.Ordinal);
        Assert.DoesNotContain(otherName, confined, StringComparison.Ordinal);
        Assert.DoesNotContain(ownToken, all, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminTokenService.HashToken(ownToken), all, StringComparison.Ordinal);
        var row = JsonDocument.Parse(confined).RootElement.GetProperty("tokens").EnumerateArray().Single(t => t.GetProperty("name").GetString() == ownName);
        Assert.Equal(_tenant, row.GetProperty("tenant").GetString());
        Assert.False(row.GetProperty("revoked").GetBoolean());
    }

    [Fact]
    public async Task Suspend_UnknownAgentOrTenant_Is404AndNothingIsStored()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.PostAsync($"/admin/v1/tenants/{_tenant}/agents/agent-typo/suspend", null), HttpStatusCode.NotFound, "agent_not_found");
        await AssertProblemAsync(await admin.PostAsync($"/admin/v1/tenants/{TestServices.NewTenant()}/agents/agent-1/revoke-secret", null), HttpStatusCode.NotFound, "tenant_not_found");

        Assert.False((await _host.Get<AgentStatusService>().GetAsync(_tenant, "agent-typo")).Suspended);
    }

    [Fact]
    public async Task AnyRoute_RepeatedUnknownTokens_Is429WithRetryAfterEvenForAValidToken()
    {
        await using var host = await AdminTestHost.StartAsync(configuration: new Dictionary<string, string?> { ["Gateway:Admin:MaxFailedAuthPerWindow"] = "3" });
        using var guesser = host.Client("gwa_guess");
        for (var i = 0; i < 3; i++)
        {
            await AssertProblemAsync(await guesser.GetAsync($"/admin/v1/tenants/{_tenant}/audit/verify"), HttpStatusCode.Unauthorized, "admin_token_invalid");
        }

        using var throttled = await guesser.GetAsync($"/admin/v1/tenants/{_tenant}/audit/verify");
        using var admin = host.Client(AdminTestServices.BootstrapToken);
        using var sameSource = await admin.GetAsync($"/admin/v1/tenants/{_tenant}/audit/verify");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal("admin_auth_throttled", (await throttled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, sameSource.StatusCode);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(code, body.GetProperty("code").GetString());
            Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        }
    }

    // A body that never ends (no length: sent chunked), counting what the server took.
    private sealed class EndlessSpaces : Stream
    {
        public long Produced { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Produced >= 100_000_000)
            {
                return 0;
            }

            buffer.AsSpan(offset, count).Fill((byte)' ');
            Produced += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
