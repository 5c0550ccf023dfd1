using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Proxy.Tests.Bundle;

/// <summary>
/// An admin token confined to a tenant dies with the tenant: refused as soon as the replica applies a bundle without it,
/// revoked in the store by that replica, so that a tenant later given the same slug does not inherit it; and a token of a
/// tenant the register does not hold (a replica that never had it in force) is refused <c>tenant_not_found</c>.
/// </summary>
public sealed class RemovedTenantAdminTokenTests : IAsyncLifetime
{
    private const string Tenant = "spare";

    // A second tenant, so that the bundle still holds one once it is removed.
    private const string SpareTenant = """
        tenant: spare
        workspaces: [ws-spare]
        approvers: [{ id: sam }]
        catalog:
          - { name: spare.read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none, data_classes: [internal] }
        agents:
          - { id: spare-agent, human_owner: h@example.com, security_owner: sam, atf_level: L3, permissions: [{ tool: spare.read }] }
        """;

    private GovernedGateway _gw = null!;

    private string SpareFile => Path.Combine(_gw.Bundle.Directory, Tenant + ".yaml");

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task AnyRoute_TokenOfATenantRemovedFromTheBundle_IsRefused()
    {
        File.WriteAllText(SpareFile, SpareTenant);
        await ReloadAsync();
        var admin = _gw.Admin(await IssueTenantAdminAsync());
        using (var before = await admin.GetAsync($"/admin/v1/tenants/{Tenant}/audit?start=0&limit=10"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // The operator offboards the tenant by deleting its file: refused from the moment the bundle is applied, whether or
        // not the revocation has landed in the store yet.
        File.Delete(SpareFile);
        Assert.Empty(await _gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());

        await AssertRefusedEverywhereAsync(admin, ProblemCodes.TenantNotFound, ProblemCodes.TokenRevoked);
    }

    [Fact]
    public async Task AnyRoute_TokenOfARemovedTenant_StaysRefusedWhenTheSlugIsReused()
    {
        File.WriteAllText(SpareFile, SpareTenant);
        await ReloadAsync();
        var admin = _gw.Admin(await IssueTenantAdminAsync());
        File.Delete(SpareFile);
        await ReloadAsync();

        // A new customer is onboarded under the same slug.
        File.WriteAllText(SpareFile, SpareTenant);
        await ReloadAsync();

        await AssertRefusedEverywhereAsync(admin, ProblemCodes.TokenRevoked);
        var listed = await _gw.Admin().GetStringAsync("/admin/v1/tokens");
        var token = Assert.Single(JsonDocument.Parse(listed).RootElement.GetProperty("tokens").EnumerateArray(),
            static t => t.GetProperty("name").GetString() == "spare-admin");
        Assert.True(token.GetProperty("revoked").GetBoolean(), listed);
    }

    [Fact]
    public async Task AnyRoute_TokenOfATenantTheRegisterDoesNotHold_Is403TenantNotFound()
    {
        // As a replica started on a bundle without the tenant finds its token: live in the store, its tenant gone.
        const string token = "gwa_token-of-a-tenant-no-longer-in-the-bundle-0123456789";
        await _gw.Host.Services.GetRequiredService<IAdminTokenStore>().PutAsync(
            AdminTokenService.HashToken(token),
            new AdminTokenRecord { Name = "gone-admin", Roles = [AdminRoles.Admin], CreatedAt = DateTimeOffset.UtcNow, Tenant = "gone" },
            bindName: true);

        await AssertRefusedEverywhereAsync(_gw.Admin(token), ProblemCodes.TenantNotFound, tenant: "gone");
    }

    // The tenant's admin token is refused, with one of the codes, on a read, a mint and a kill switch of its tenant.
    private static async Task AssertRefusedEverywhereAsync(HttpClient admin, string code, string? orCode = null, string tenant = Tenant)
    {
        using var read = await admin.GetAsync($"/admin/v1/tenants/{tenant}/audit?start=0&limit=10");
        using var mint = await admin.PostAsync("/admin/v1/tokens", Json(new { name = "minted-after", roles = new[] { "admin" }, tenant }));
        using var suspend = await admin.PostAsync($"/admin/v1/tenants/{tenant}/agents/spare-agent/suspend", content: null);
        foreach (var response in new[] { read, mint, suspend })
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
            var answered = JsonDocument.Parse(text).RootElement.GetProperty("code").GetString();
            Assert.True(answered == code || answered == orCode, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
            Assert.Equal(answered == ProblemCodes.TokenRevoked ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    // Issues, with the bootstrap token, an admin token confined to the spare tenant.
    private async Task<string> IssueTenantAdminAsync()
    {
        using var response = await _gw.Admin().PostAsync("/admin/v1/tokens", Json(new { name = "spare-admin", roles = new[] { "admin" }, tenant = Tenant }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!;
    }

    // Reloads the bundle and waits until what this replica writes of it (policies in force, revocations) landed in the store.
    private async Task ReloadAsync()
    {
        Assert.Empty(await _gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
        await _gw.Host.Services.GetServices<IHostedService>().OfType<PolicyInForcePublisher>().Single().Publishing;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
