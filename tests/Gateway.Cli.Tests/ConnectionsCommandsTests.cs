namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl connections list|revoke</c> against the real gateway on Kestrel (the admin API's
/// <c>/tenants/{tenant}/connections</c>): the listing, a revocation of a link that is not there (the API's problem code,
/// exit 1), and a token without the admin role. A link made and revoked end to end: tests/node/test/mcp-per-person.test.js.
/// </summary>
public sealed class ConnectionsCommandsTests : IAsyncLifetime
{
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task ConnectionsList_NobodyLinked_SaysSoAndJsonListsNone()
    {
        var text = await _gw.RunAsync(DemoGateway.AdminToken, "connections", "list", "--tenant", DemoGateway.Tenant);
        var json = await _gw.RunAsync(DemoGateway.AdminToken, "connections", "list", "--tenant", DemoGateway.Tenant, "--person", "alice", "--json");

        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Equal("No linked accounts.", text.Out.Trim());
        Assert.True(json.ExitCode == 0, json.Error);
        using var listed = System.Text.Json.JsonDocument.Parse(json.Out);
        Assert.Equal(0, listed.RootElement.GetProperty("connections").GetArrayLength());
    }

    [Fact]
    public async Task ConnectionsRevoke_NoSuchLink_Exits1WithTheProblemCode()
    {
        var result = await _gw.RunAsync(DemoGateway.AdminToken, "connections", "revoke", "alice", "docs", "--tenant", DemoGateway.Tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("connection_not_found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionsRevoke_AuditorToken_Exits1WithAdminRoleRequired()
    {
        var auditor = await _gw.IssueTokenAsync("--name", "cy", "--role", "auditor", "--tenant", DemoGateway.Tenant);

        var result = await _gw.RunAsync(auditor, "connections", "revoke", "alice", "docs", "--tenant", DemoGateway.Tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("admin_role_required", result.Error, StringComparison.Ordinal);
    }
}
