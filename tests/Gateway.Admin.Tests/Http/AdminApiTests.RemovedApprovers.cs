using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Approvals;

namespace Gateway.Admin.Tests.Http;

/// <summary>A vote that no longer counts (its approver was removed from the register) brings no minter to the votes that still do.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Approve_RemovedApproversMinterDoesNotCountForTheRemainingVoters()
    {
        var request = await CreateApprovalAsync(required: 2);
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));
        using (var first = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null))
        {
            Assert.Equal("pending", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        _host.Register.Add(_tenant, approvers: ["bob", "carol", "dave"], agents: ["agent-1", "agent-2"], owners: new Dictionary<string, string> { ["agent-2"] = "carol" });
        var tenantAdmin = new AdminPrincipal("acme-admin", [AdminRoles.Admin]) { Tenant = _tenant };
        using var bob = _host.Client(await _host.IssueApproverAsync(_tenant, "bob", tenantAdmin));
        using var carol = _host.Client(await _host.IssueApproverAsync(_tenant, "carol", tenantAdmin));
        using var second = await bob.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);
        using var third = await carol.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);

        // Bob and carol count, but one tenant admin minted both their tokens; alice's minter stands behind no counted vote.
        Assert.Equal("pending", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("pending", (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Null((await _host.Get<ApprovalService>().PollAsync(_tenant, "agent-1", request.Id))!.Warrant);
    }
}
