using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Tests.Infrastructure;

namespace Gateway.Admin.Tests.Http;

/// <summary><c>POST /admin/v1/tokens</c> past the tenant's live-token limit (<c>Gateway:Admin:MaxLiveTokensPerTenant</c>).</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task IssueToken_TenantAtItsLiveTokenLimit_Is409TokenLimitReachedUntilOneIsRevoked()
    {
        await using var host = await AdminTestHost.StartAsync(configuration: new Dictionary<string, string?> { ["Gateway:Admin:MaxLiveTokensPerTenant"] = "2" });
        var tenant = TestServices.NewTenant();
        host.Register.Add(tenant, approvers: ["alice"]);
        // The tenant's admin token is one of its two.
        using var tenantAdmin = host.Client(await host.IssueTokenAsync(new AdminTokenSpec("limit-admin", [AdminRoles.Admin]) { Tenant = tenant }, AdminTestServices.Operator));
        using var first = await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "ci-1", roles = new[] { "auditor" }, tenant });

        using var second = await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "ci-2", roles = new[] { "auditor" }, tenant });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("token_limit_reached", problem.GetProperty("code").GetString());
        Assert.Contains("2 live tokens", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await tenantAdmin.DeleteAsync("/admin/v1/tokens/ci-1")).StatusCode);
        using var third = await tenantAdmin.PostAsJsonAsync("/admin/v1/tokens", new { name = "ci-2", roles = new[] { "auditor" }, tenant });
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
    }
}
