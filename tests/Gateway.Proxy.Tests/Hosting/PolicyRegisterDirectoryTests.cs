using System.Net;
using Gateway.Oversight.Register;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// The register the admin API and the console ask, read from the bundle in force: an agent's <c>human_owner</c> is free text
/// matched to a register id ignoring case, and how the tenant names people comes from the console's <c>PersonClaim</c>.
/// </summary>
public sealed class PolicyRegisterDirectoryTests
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"c-9","amount":9999}}""";

    [Fact]
    public async Task Approve_ByTheOwnerWhoseHumanOwnerDiffersInCase_Is403OwnRequest()
    {
        // demo-agent's owner is written "Alice"; the register (and her approver token) names her "alice".
        await using var gw = await GovernedGateway.StartAsync(bundle => bundle.Replace("human_owner: dana@example.com", "human_owner: Alice", StringComparison.Ordinal));
        var id = await ApprovalCalls.RequestApprovalAsync(gw.Agent, Refund);
        var alice = gw.Admin(await gw.IssueTokenAsync("alice", "approver"));

        using var approve = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{id}/approve", null);

        await ProblemAssert.IsProblemAsync(approve, HttpStatusCode.Forbidden, "approval_own_request");
        Assert.Equal("pending", (await ApprovalCalls.PollAsync(gw.Agent, id)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("sub", true)]
    [InlineData("email", false)]
    public async Task NamesPeopleBySubject_TheConsolesPersonClaim_IsTheTenantsWayOfNamingPeople(string? claim, bool bySubject)
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
        {
            if (claim is not null)
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:Console:Tenants:demo:PersonClaim"] = claim });
            }
        });

        var register = Assert.IsAssignableFrom<IRegisterPersonClaim>(gw.Host.Services.GetRequiredService<IRegisterDirectory>());

        Assert.Equal(bySubject, register.NamesPeopleBySubject("demo"));
    }
}
