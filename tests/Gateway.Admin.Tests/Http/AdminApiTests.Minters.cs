using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Audit;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;

namespace Gateway.Admin.Tests.Http;

/// <summary>
/// Who counts as a minter in an approval, through the admin API: every token minted under one operator-minted tenant
/// admin, through further admin tokens or ones bound to a person, counts as that admin; and where a refused call on a
/// tenant the register does not have is written.
/// </summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Approve_ApproversMintedThroughASecondAdminTokenOfOneTenantAdmin_StayPending()
    {
        var request = await CreateApprovalAsync(required: 2);
        using var bootstrap = _host.Client(AdminTestServices.BootstrapToken);
        using var admin = _host.Client(await MintAsync(bootstrap, new { name = "a", roles = new[] { "admin" }, tenant = _tenant }));
        using var second = _host.Client(await MintAsync(admin, new { name = "a2", roles = new[] { "admin" }, tenant = _tenant }));
        using var alice = _host.Client(await MintAsync(admin, new { name = "alice", roles = new[] { "approver" }, tenant = _tenant, person = "alice" }));
        using var bob = _host.Client(await MintAsync(second, new { name = "bob", roles = new[] { "approver" }, tenant = _tenant, person = "bob" }));

        await ApproveAsync(alice, request.Id);
        var afterBoth = await ApproveAsync(bob, request.Id);

        Assert.Equal("pending", afterBoth.GetProperty("status").GetString());
        Assert.Null((await _host.Get<ApprovalService>().PollAsync(_tenant, "agent-1", request.Id))!.Warrant);
        // Another operator-minted tenant admin is another minter: its approver's vote settles the request.
        using var otherAdmin = _host.Client(await MintAsync(bootstrap, new { name = "b", roles = new[] { "admin" }, tenant = _tenant }));
        using var carol = _host.Client(await MintAsync(otherAdmin, new { name = "carol", roles = new[] { "approver" }, tenant = _tenant, person = "carol" }));
        Assert.Equal("approved", (await ApproveAsync(carol, request.Id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Approve_ApproversMintedByATenantAdminsTokenWithAPerson_StayPending()
    {
        var request = await CreateApprovalAsync(required: 2);
        using var bootstrap = _host.Client(AdminTestServices.BootstrapToken);
        using var admin = _host.Client(await MintAsync(bootstrap, new { name = "a", roles = new[] { "admin" }, tenant = _tenant }));
        using var zed = _host.Client(await MintAsync(admin, new { name = "z", roles = new[] { "admin" }, tenant = _tenant, person = "zed" }));
        using var alice = _host.Client(await MintAsync(admin, new { name = "alice", roles = new[] { "approver" }, tenant = _tenant, person = "alice" }));
        using var bob = _host.Client(await MintAsync(zed, new { name = "bob", roles = new[] { "approver" }, tenant = _tenant, person = "bob" }));

        await ApproveAsync(alice, request.Id);
        var afterBoth = await ApproveAsync(bob, request.Id);

        Assert.Equal("pending", afterBoth.GetProperty("status").GetString());
        Assert.Null((await _host.Get<ApprovalService>().PollAsync(_tenant, "agent-1", request.Id))!.Warrant);
        var tokens = await admin.GetFromJsonAsync<JsonElement>("/admin/v1/tokens");
        var bobsRow = tokens.GetProperty("tokens").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "bob");
        Assert.Equal("a", bobsRow.GetProperty("issued_by").GetString());
    }

    [Fact]
    public async Task Approve_TenantAdminWhoApprovesAndAnApproverItMinted_StayPending()
    {
        var request = await CreateApprovalAsync(required: 2);
        using var bootstrap = _host.Client(AdminTestServices.BootstrapToken);
        using var admin = _host.Client(await MintAsync(bootstrap, new { name = "a", roles = new[] { "admin", "approver" }, tenant = _tenant, person = "alice" }));
        using var bob = _host.Client(await MintAsync(admin, new { name = "bob", roles = new[] { "approver" }, tenant = _tenant, person = "bob" }));

        await ApproveAsync(admin, request.Id);
        var afterBoth = await ApproveAsync(bob, request.Id);

        Assert.Equal("pending", afterBoth.GetProperty("status").GetString());
        Assert.Null((await _host.Get<ApprovalService>().PollAsync(_tenant, "agent-1", request.Id))!.Warrant);
        // Another operator-minted tenant admin's approver is another minter: its vote settles the request.
        using var otherAdmin = _host.Client(await MintAsync(bootstrap, new { name = "b", roles = new[] { "admin" }, tenant = _tenant }));
        using var carol = _host.Client(await MintAsync(otherAdmin, new { name = "carol", roles = new[] { "approver" }, tenant = _tenant, person = "carol" }));
        Assert.Equal("approved", (await ApproveAsync(carol, request.Id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ListApprovals_TenantConfinedTokenOnAMadeUpTenant_Is403AndAuditedInItsOwnTenantOnly()
    {
        var madeUp = TestServices.NewTenant();
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));

        await AssertProblemAsync(await alice.GetAsync($"/admin/v1/tenants/{madeUp}/approvals"), HttpStatusCode.Forbidden, "tenant_forbidden");

        var journal = _host.Get<AuditJournal>();
        Assert.Empty(await journal.ReadAsync(madeUp, 0, 10));
        var refusal = Assert.Single(await journal.ReadAsync(_tenant, 0, 10));
        Assert.Equal("admin_refused", refusal.GetProperty("decision").GetString());
        Assert.Equal("admin.cross_tenant", refusal.GetProperty("tool").GetString());
        Assert.Equal(403, refusal.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task RevokeToken_LeakedTenantAdminToken_TokensMintedWithItAreRevokedListedByMinterAndAudited()
    {
        using var operatorClient = _host.Client(AdminTestServices.BootstrapToken);
        using var acmeAdmin = _host.Client(await MintAsync(operatorClient, new { name = "acme-admin", roles = new[] { "admin" }, tenant = _tenant }));
        using var acmeOps = _host.Client(await MintAsync(acmeAdmin, new { name = "acme-ops", roles = new[] { "admin" }, tenant = _tenant }));
        using var ciSync = _host.Client(await MintAsync(acmeOps, new { name = "ci-sync", roles = new[] { "admin" }, tenant = _tenant }));
        using var keep = _host.Client(await MintAsync(acmeAdmin, new { name = "keep", roles = new[] { "admin" }, tenant = _tenant }));
        var listed = (await acmeAdmin.GetFromJsonAsync<JsonElement>("/admin/v1/tokens")).GetProperty("tokens").EnumerateArray().ToArray();
        var ciSyncRow = listed.Single(t => t.GetProperty("name").GetString() == "ci-sync");

        using var revoke = await operatorClient.DeleteAsync($"/admin/v1/tokens/acme-ops?tenant={_tenant}");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal([$"{_tenant}/ci-sync"], (await revoke.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("also_revoked").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await ciSync.GetAsync("/admin/v1/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await keep.GetAsync("/admin/v1/tokens")).StatusCode);
        Assert.Equal("acme-admin", ciSyncRow.GetProperty("issued_by").GetString());
        Assert.Equal("acme-ops", ciSyncRow.GetProperty("minted_by").GetString());
        var audited = (await _host.Get<AuditJournal>().ReadAsync(_tenant, 0, 50))
            .Where(r => r.GetProperty("tool").GetString()!.StartsWith("admin.token.", StringComparison.Ordinal))
            .Select(r => $"{r.GetProperty("tool").GetString()} {r.GetProperty("connector").GetString()} by {r.GetProperty("actor").GetString()}");
        Assert.Equal(
            ["admin.token.issue acme-admin by bootstrap", "admin.token.issue acme-ops by acme-admin", "admin.token.issue ci-sync by acme-ops", "admin.token.issue keep by acme-admin",
             "admin.token.revoke acme-ops by bootstrap", "admin.token.revoke_minted ci-sync by bootstrap"],
            audited);
    }

    [Fact]
    public async Task RevokeToken_CascadeFalse_RevokesOnlyTheNamedToken()
    {
        using var operatorClient = _host.Client(AdminTestServices.BootstrapToken);
        using var acmeAdmin = _host.Client(await MintAsync(operatorClient, new { name = "acme-admin", roles = new[] { "admin" }, tenant = _tenant }));
        using var ciSync = _host.Client(await MintAsync(acmeAdmin, new { name = "ci-sync", roles = new[] { "auditor" }, tenant = _tenant }));

        using var revoke = await operatorClient.DeleteAsync($"/admin/v1/tokens/acme-admin?tenant={_tenant}&cascade=false");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await acmeAdmin.GetAsync("/admin/v1/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ciSync.GetAsync($"/admin/v1/tenants/{_tenant}/audit/verify")).StatusCode);
    }

    private static async Task<string> MintAsync(HttpClient minter, object token)
    {
        using var response = await minter.PostAsJsonAsync("/admin/v1/tokens", token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private async Task<JsonElement> ApproveAsync(HttpClient approver, string id)
    {
        using var response = await approver.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
