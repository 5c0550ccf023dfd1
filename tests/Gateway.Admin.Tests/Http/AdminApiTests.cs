using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Audit;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Credentials;
using Gateway.Oversight.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Tests.Http;

public sealed class AdminApiTests : IAsyncLifetime
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
    public async Task Approve_AuditorRole_Is403RoleRequired()
    {
        var request = await CreateApprovalAsync(required: 1);
        using var client = _host.Client(await _host.IssueTokenAsync("alice", AdminRoles.Auditor));

        await AssertProblemAsync(await client.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null), HttpStatusCode.Forbidden, "admin_role_required");
    }

    [Fact]
    public async Task IssueToken_ApproverRole_Is403RoleRequired()
    {
        using var client = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));

        await AssertProblemAsync(await client.PostAsJsonAsync("/admin/v1/tokens", new { name = "eve", roles = new[] { "admin" } }), HttpStatusCode.Forbidden, "admin_role_required");
    }

    [Fact]
    public async Task Approve_ApproverNotNamedOnTheRequest_Is403()
    {
        var request = await CreateApprovalAsync(required: 1);
        using var client = _host.Client(await _host.IssueApproverAsync(_tenant, "dave"));

        await AssertProblemAsync(await client.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null), HttpStatusCode.Forbidden, "approval_not_an_approver");
    }

    [Fact]
    public async Task Approve_TwoOfThreeApprovers_ApprovesAndJournalsEachAction()
    {
        var request = await CreateApprovalAsync(required: 2);
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));
        using var bob = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));

        var listed = await alice.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/approvals");
        using var first = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);
        using var again = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);
        using var second = await bob.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);

        Assert.Equal(request.Id, listed.GetProperty("approvals")[0].GetProperty("id").GetString());
        Assert.Equal("pending", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("pending", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("approved", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var records = await _host.Get<AuditJournal>().ReadAsync(_tenant, 0, 10);
        Assert.All(records.Select(r => r.GetProperty("actor").GetString()!).Zip(["alice-", "alice-", "bob-"]), p => Assert.StartsWith(p.Second, p.First, StringComparison.Ordinal));
        Assert.All(records, r => Assert.Equal("admin_action", r.GetProperty("decision").GetString()));
        await AssertProblemAsync(await bob.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/deny", null), HttpStatusCode.Conflict, "approval_not_pending");
    }

    [Fact]
    public async Task GetApproval_Unknown_Is404()
    {
        using var client = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));

        await AssertProblemAsync(await client.GetAsync($"/admin/v1/tenants/{_tenant}/approvals/apr_AAAAAAAAAAAAAAAAAAAAAA"), HttpStatusCode.NotFound, "approval_not_found");
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
    public async Task Credentials_NoVaultWired_Is501()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var admin = host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/credentials"), HttpStatusCode.NotImplemented, "credentials_not_configured");
    }

    [Fact]
    public async Task IssueToken_MalformedBody_Is400InvalidBody()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        await AssertProblemAsync(await admin.PostAsync("/admin/v1/tokens", content), HttpStatusCode.BadRequest, "invalid_body");
    }

    [Fact]
    public async Task AuditVerify_AfterDecisions_IsIntact()
    {
        await _host.Get<AuditJournal>().AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        using var auditor = _host.Client(await _host.IssueTokenAsync("audrey", AdminRoles.Auditor));

        var result = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/verify");

        Assert.True(result.GetProperty("intact").GetBoolean());
        Assert.Equal(1, result.GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task AuditQuery_ByAgentWithCursor_PagesThroughTheMatchesOnly()
    {
        var journal = _host.Get<AuditJournal>();
        for (var i = 0; i < 5; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = i % 2 == 0 ? "agent-even" : "agent-odd", Decision = "allow", Tool = "crm.read", StatusCode = 200, RequestId = "r" + i });
        }

        using var auditor = _host.Client(await _host.IssueTokenAsync("audrey", AdminRoles.Auditor));
        var first = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/query?agent=agent-even&limit=2");
        var second = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/query?agent=agent-even&limit=2&cursor={first.GetProperty("next_cursor").GetString()}");

        Assert.Equal(["r0", "r2"], first.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("request_id").GetString()));
        Assert.Equal(["r4"], second.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("request_id").GetString()));
        Assert.False(second.TryGetProperty("next_cursor", out _));
    }

    [Theory]
    [InlineData("cursor=not-a-cursor")]
    [InlineData("from=yesterday")]
    [InlineData("limit=0")]
    [InlineData("agent=a&agent=b")]
    public async Task AuditQuery_BadParameter_Is400InvalidQuery(string parameters)
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/audit/query?{parameters}"), HttpStatusCode.BadRequest, "invalid_query");
    }

    [Fact]
    public async Task AuditReceipts_ByRequestIdAndBySeqRange_GiveTheExactReceiptsTheAppendsGot()
    {
        var journal = _host.Get<AuditJournal>();
        var appended = new List<AuditAppended>();
        for (var i = 0; i < 3; i++)
        {
            appended.Add(await journal.AppendWithReceiptAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", Tool = "crm.read", StatusCode = 200, RequestId = "rr" + i }));
        }

        await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", Tool = "crm.read", StatusCode = 200, RequestId = "no-receipt" });
        using var auditor = _host.Client(await _host.IssueTokenAsync("audrey", AdminRoles.Auditor));

        var one = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/receipts?request_id=rr1");
        var range = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/receipts?replica={journal.Replica}&from_seq=1&to_seq=4");
        var none = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/receipts?request_id=no-receipt");

        var receipt = Assert.Single(one.GetProperty("receipts").EnumerateArray());
        Assert.Equal(appended[1].Receipt, receipt.GetProperty("receipt").GetString());
        Assert.Equal(appended[1].Record.Seq, receipt.GetProperty("seq").GetInt64());
        Assert.Equal("rr1", receipt.GetProperty("request_id").GetString());
        Assert.Equal(appended.Select(static a => a.Receipt), range.GetProperty("receipts").EnumerateArray().Select(static r => r.GetProperty("receipt").GetString()));
        Assert.Empty(none.GetProperty("receipts").EnumerateArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("replica=replica-a")]
    [InlineData("replica=Not_A_Replica&from_seq=1&to_seq=2")]
    [InlineData("replica=replica-a&from_seq=3&to_seq=2")]
    [InlineData("replica=replica-a&from_seq=1&to_seq=1001")]
    [InlineData("request_id=a&request_id=b")]
    public async Task AuditReceipts_BadParameter_Is400InvalidQuery(string parameters)
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/audit/receipts?{parameters}"), HttpStatusCode.BadRequest, "invalid_query");
    }

    [Fact]
    public async Task AuditReceipts_ApproverToken_Is403()
    {
        using var approver = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));

        await AssertProblemAsync(await approver.GetAsync($"/admin/v1/tenants/{_tenant}/audit/receipts?request_id=r1"), HttpStatusCode.Forbidden, "admin_role_required");
    }

    [Fact]
    public async Task UnknownAdminRoute_Authenticated_Is404Problem()
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync("/admin/v1/nothing/here"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Approve_TwoPersonsWhoseTokensOneAdminMinted_CountAsOnePerson()
    {
        var request = await CreateApprovalAsync(required: 2);
        var minter = new AdminPrincipal("acme-admin", [AdminRoles.Admin]) { Tenant = _tenant };
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice", minter));
        using var bob = _host.Client(await _host.IssueApproverAsync(_tenant, "bob", minter));

        using var first = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);
        using var second = await bob.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);

        Assert.Equal("pending", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Approve_ApproverTokenOfAnotherTenant_Is403AndAuditedInTheTargetTenant()
    {
        var request = await CreateApprovalAsync(required: 1);
        var otherTenant = TestServices.NewTenant();
        _host.Register.Add(otherTenant, approvers: ["alice"]);
        using var foreignAlice = _host.Client(await _host.IssueApproverAsync(otherTenant, "alice"));

        await AssertProblemAsync(await foreignAlice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null), HttpStatusCode.Forbidden, "tenant_forbidden");
        await AssertProblemAsync(await foreignAlice.GetAsync($"/admin/v1/tenants/{_tenant}/approvals"), HttpStatusCode.Forbidden, "tenant_forbidden");

        Assert.Equal(ApprovalStatus.Pending, (await _host.Get<ApprovalService>().GetAsync(_tenant, request.Id))!.Status);
        var records = await _host.Get<AuditJournal>().ReadAsync(_tenant, 0, 10);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal("admin_refused", r.GetProperty("decision").GetString()));
        Assert.All(records, r => Assert.Equal(403, r.GetProperty("status_code").GetInt32()));
    }

    [Fact]
    public async Task Approve_PersonNoLongerInTheRegister_Is403()
    {
        var request = await CreateApprovalAsync(required: 1);
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));
        _host.Register.Add(_tenant, approvers: ["bob", "carol"]);

        await AssertProblemAsync(await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null), HttpStatusCode.Forbidden, "approval_not_an_approver");
    }

    [Fact]
    public async Task Approve_ByTheRequestingAgentsOwner_Is403OwnRequest()
    {
        var request = await _host.Get<ApprovalService>().CreateAsync(_tenant, "agent-2", "payments.transfer", "digest", "policy", null, "gate-1",
            ["alice", "carol"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        using var carol = _host.Client(await _host.IssueApproverAsync(_tenant, "carol"));

        await AssertProblemAsync(await carol.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null), HttpStatusCode.Forbidden, "approval_own_request");
    }

    [Theory]
    [InlineData("carol", Child, """{"actor_chain":[{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa","name":"payer"}]}""", "approval_own_request")]
    [InlineData("carol", Grandchild, """{"actor_chain":[{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"},{"kind":"delegate","id":"dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb"}]}""", "approval_own_request")]
    [InlineData("carol", Grandchild, """{"actor_chain":[{"kind":"person","id":"dave"},{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"},{"kind":"delegate","id":"dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb"}]}""", "approval_own_request")]
    [InlineData("dave", Grandchild, """{"actor_chain":[{"kind":"person","id":"dave"},{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"},{"kind":"delegate","id":"dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb"}]}""", "approval_own_request")]
    [InlineData("alice", "agent-1", """{"actor_chain":[{"kind":"person","id":"alice"},{"kind":"agent","id":"agent-1"}]}""", "approval_own_request")]
    [InlineData("alice", Child, """{"actor_chain":[{"kind":"person","id":"alice"},{"kind":"agent","id":"agent-1"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"}]}""", "approval_own_request")]
    [InlineData("carol", Child, null, "approval_requester_unknown")]
    [InlineData("alice", Child, """{"actor_chain":[{"kind":"agent","id":"agent-1"},{"kind":"delegate","id":"dlg-cccccccccccccccccccccccccc"}]}""", "approval_requester_unknown")]
    [InlineData("alice", Grandchild, """{"actor_chain":[{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"},{"kind":"delegate","id":"dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb"}]}""", null)]
    [InlineData("alice", "agent-2", """{"actor_chain":[{"kind":"person","id":"dave"},{"kind":"agent","id":"agent-2"}]}""", null)]
    public async Task Approve_OwnerOfTheChainsRootOrThePersonActedFor_Is403OwnRequest(string approver, string agent, string? explanation, string? refused)
    {
        // carol owns agent-2: its children and grandchildren ask under their own ids, their chain names agent-2 at its root.
        var request = await _host.Get<ApprovalService>().CreateAsync(_tenant, agent, "payments.transfer", "digest", "policy", explanation, "gate-1",
            ["alice", "carol", "dave"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        using var client = _host.Client(await _host.IssueApproverAsync(_tenant, approver));

        using var response = await client.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);

        if (refused is null)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return;
        }

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, refused);
        Assert.Equal(ApprovalStatus.Pending, (await _host.Get<ApprovalService>().GetAsync(_tenant, request.Id))!.Status);
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

    private ValueTask<ApprovalRequest> CreateApprovalAsync(int required) =>
        _host.Get<ApprovalService>().CreateAsync(_tenant, "agent-1", "payments.transfer", "digest", "policy", null, "gate-1",
            ["alice", "bob", "carol"], required, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
}
