using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;

namespace Gateway.Admin.Tests.Http;

/// <summary>An unknown member in any admin body is refused by <c>AdminBody</c>, its problem naming the member and the accepted ones.</summary>
public sealed partial class AdminApiTests
{
    [Theory]
    [InlineData("/admin/v1/tokens", """{"name":"n","roles":["auditor"],"Tenant":"t"}""", "'Tenant' is not one of its members (case-sensitive): name, roles, tenant, person")]
    [InlineData("/admin/v1/tenants/{tenant}/credentials/crm-key/rotate", """{"value":"v","version":2}""", "'version' is not one of its members (case-sensitive): value")]
    [InlineData("/admin/v1/tenants/{tenant}/runs/run-0123456789abcdef0123456789abcdef/cancel", """{"reason":"stuck","by":"ops"}""", "'by' is not one of its members (case-sensitive): reason")]
    [InlineData("/admin/v1/tenants/{tenant}/audit/evidence-manifest", """{"manifest_sha256":"aa","tenant":"other"}""", "'tenant' is not one of its members (case-sensitive): manifest_sha256")]
    [InlineData("/v1/decision-tokens/verify", """{"token":"x","consume":true,"Consume":false}""", "'Consume' is not one of its members (case-sensitive): token, consume")]
    public async Task AnyBody_UnknownMember_Is400NamingTheMemberAndTheAcceptedOnes(string path, string body, string detail)
    {
        using var caller = path.StartsWith("/v1/", StringComparison.Ordinal)
            ? _host.Client(await _host.IssueTokenAsync(new AdminTokenSpec("exec-body-" + _tenant, [AdminRoles.Executor]) { Tenant = _tenant }, AdminTestServices.Operator))
            : _host.Client(AdminTestServices.BootstrapToken);

        using var response = await caller.PostAsync(path.Replace("{tenant}", _tenant, StringComparison.Ordinal), new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_body", problem.GetProperty("code").GetString());
        Assert.Equal("Unknown member in the body", problem.GetProperty("title").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }
}
