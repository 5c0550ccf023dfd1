using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;

namespace Gateway.Admin.Tests.Http;

/// <summary>Approvals over the admin API: who may vote (roles, tenants, the register, never the requester's own chain) and what each vote does.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Approve_AuditorRole_Is403RoleRequired()
    {
        var request = await CreateApprovalAsync(required: 1);
        using var client = _host.Client(await _host.IssueTokenAsync("alice", AdminRoles.Auditor));

        await AssertProblemAsync(await client.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null), HttpStatusCode.Forbidden, "admin_role_required");
    }

    [Fact]
    public async Task Approve_ApproverNotNamedOnTheRequest_Is403()
    {
        var request = await CreateApprovalAsync(required: 1);
        using var client = _host.Client(await _host.IssueApproverAsync(_tenant, "dave"));

        await AssertProblemAsync(await client.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null), HttpStatusCode.Forbidden, "approval_not_an_approver");
    }

    [Fact]
    public async Task ListAndGet_ApproverNotNamedOnTheRequest_NeitherListedNorFound()
    {
        var request = await CreateApprovalAsync(required: 1);
        using var dave = _host.Client(await _host.IssueApproverAsync(_tenant, "dave"));
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));

        var listedForDave = await dave.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/approvals");
        var listedForAlice = await alice.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/approvals");

        Assert.Equal(0, listedForDave.GetProperty("approvals").GetArrayLength());
        Assert.Equal(request.Id, listedForAlice.GetProperty("approvals")[0].GetProperty("id").GetString());
        await AssertProblemAsync(await dave.GetAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}"), HttpStatusCode.NotFound, "approval_not_found");
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}")).StatusCode);
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
    public async Task Approve_FirstApproverRemovedFromTheRegisterBeforeTheSecondVote_StaysPending()
    {
        var request = await CreateApprovalAsync(required: 2);
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));
        using var bob = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));
        using (var first = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null))
        {
            Assert.Equal("pending", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        _host.Register.Add(_tenant, approvers: ["bob", "carol", "dave"], agents: ["agent-1", "agent-2"], owners: new Dictionary<string, string> { ["agent-2"] = "carol" });
        using var second = await bob.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);

        // Alice's vote no longer counts: the register does not list her any more.
        Assert.Equal("pending", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Null((await _host.Get<ApprovalService>().PollAsync(_tenant, "agent-1", request.Id))!.Warrant);
        using var carol = _host.Client(await _host.IssueApproverAsync(_tenant, "carol"));
        using var third = await carol.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);
        Assert.Equal("approved", (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task GetApproval_Unknown_Is404()
    {
        using var client = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));

        await AssertProblemAsync(await client.GetAsync($"/admin/v1/tenants/{_tenant}/approvals/apr_AAAAAAAAAAAAAAAAAAAAAA"), HttpStatusCode.NotFound, "approval_not_found");
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
    [InlineData("carol", Child, """{"actor_chain":[{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa","name":"payer"}]}""")]
    [InlineData("carol", Grandchild, """{"actor_chain":[{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"},{"kind":"delegate","id":"dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb"}]}""")]
    [InlineData("carol", Grandchild, """{"actor_chain":[{"kind":"person","id":"dave"},{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"},{"kind":"delegate","id":"dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb"}]}""")]
    [InlineData("dave", Grandchild, """{"actor_chain":[{"kind":"person","id":"dave"},{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"},{"kind":"delegate","id":"dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb"}]}""")]
    [InlineData("alice", "agent-1", """{"actor_chain":[{"kind":"person","id":"alice"},{"kind":"agent","id":"agent-1"}]}""")]
    [InlineData("alice", Child, """{"actor_chain":[{"kind":"person","id":"alice"},{"kind":"agent","id":"agent-1"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"}]}""")]
    [InlineData("dave", "agent-2", """{"actor_chain":[{"kind":"person","id":"00u1dave"},{"kind":"agent","id":"agent-2"}],"person":{"subject":"00u1dave","issuer":"https://idp.example","groups":[],"register_id":"dave"}}""")]
    public async Task Approve_OwnerOfTheChainsRootOrThePersonActedFor_Is403OwnRequest(string approver, string agent, string? explanation)
    {
        // carol owns agent-2: its children and grandchildren ask under their own ids, their chain names agent-2 at its root.
        var (request, response) = await ApproveAsync(approver, agent, explanation);
        using (response)
        {
            await AssertRefusedAndPendingAsync(request, response, "approval_own_request");
        }
    }

    [Theory]
    [InlineData("carol", Child, null)]
    [InlineData("alice", Child, """{"actor_chain":[{"kind":"agent","id":"agent-1"},{"kind":"delegate","id":"dlg-cccccccccccccccccccccccccc"}]}""")]
    public async Task Approve_RequestWhoseChainRootIsUnknown_Is403RequesterUnknown(string approver, string agent, string? explanation)
    {
        // No chain, or a chain whose root is an actor the register does not list: whose request it is cannot be established.
        var (request, response) = await ApproveAsync(approver, agent, explanation);
        using (response)
        {
            await AssertRefusedAndPendingAsync(request, response, "approval_requester_unknown");
        }
    }

    [Theory]
    [InlineData("alice", Grandchild, """{"actor_chain":[{"kind":"agent","id":"agent-2"},{"kind":"delegate","id":"dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa"},{"kind":"delegate","id":"dlg-bbbbbbbbbbbbbbbbbbbbbbbbbb"}]}""")]
    [InlineData("alice", "agent-2", """{"actor_chain":[{"kind":"person","id":"dave"},{"kind":"agent","id":"agent-2"}]}""")]
    [InlineData("alice", "agent-2", """{"actor_chain":[{"kind":"person","id":"00u1dave"},{"kind":"agent","id":"agent-2"}],"person":{"subject":"00u1dave","issuer":"https://idp.example","groups":[],"register_id":"dave"}}""")]
    public async Task Approve_ApproverNeitherOwningTheChainsRootNorActedFor_Is200(string approver, string agent, string? explanation)
    {
        var (_, response) = await ApproveAsync(approver, agent, explanation);
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>A request of <paramref name="agent"/> carrying <paramref name="explanation"/>, named for alice, carol and dave, approved by <paramref name="approver"/>.</summary>
    private async Task<(ApprovalRequest Request, HttpResponseMessage Response)> ApproveAsync(string approver, string agent, string? explanation)
    {
        var request = await _host.Get<ApprovalService>().CreateAsync(_tenant, agent, "payments.transfer", "digest", "policy", explanation, "gate-1",
            ["alice", "carol", "dave"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        using var client = _host.Client(await _host.IssueApproverAsync(_tenant, approver));
        return (request, await client.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null));
    }

    /// <summary>The approval was refused 403 with <paramref name="code"/>, and the request stays pending.</summary>
    private async Task AssertRefusedAndPendingAsync(ApprovalRequest request, HttpResponseMessage response, string code)
    {
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, code);
        Assert.Equal(ApprovalStatus.Pending, (await _host.Get<ApprovalService>().GetAsync(_tenant, request.Id))!.Status);
    }

    private ValueTask<ApprovalRequest> CreateApprovalAsync(int required) =>
        _host.Get<ApprovalService>().CreateAsync(_tenant, "agent-1", "payments.transfer", "digest", "policy", null, "gate-1",
            ["alice", "bob", "carol"], required, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
}
