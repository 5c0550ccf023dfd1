namespace Gateway.Policy.Tests.Register;

/// <summary>
/// An <c>mcp_tool</c> entry's limits as the bundle loads them: its <c>mcp</c> server's <c>limits</c> hold for it too, the
/// tighter of each; and one catalog entry per server tool (agent skill), so no route picks a weaker one.
/// </summary>
public sealed class CrossReferencesTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        catalog:
          - { name: tickets, kind: mcp, action_type: read, target_system: tickets, upstream: "http://127.0.0.1:9200/mcp", credential: none, limits: { max_request_bytes: 4096, max_response_bytes: 65536 } }
          - { name: tickets.create, kind: mcp_tool, action_type: write, target_system: tickets, connector: tickets, mcp_tool: create_ticket }
          - { name: tickets.search, kind: mcp_tool, action_type: read, target_system: tickets, connector: tickets, mcp_tool: search, limits: { max_request_bytes: 1000000, max_response_bytes: 1024 } }
        """;

    [Theory]
    [InlineData("tickets", 4096, 65536)]
    [InlineData("tickets.create", 4096, 65536)]
    [InlineData("tickets.search", 4096, 1024)]
    public void WithConnectorLimits_McpToolLooserThanItsServer_TheServersHolds(string entry, long requestBytes, long responseBytes)
    {
        var result = Gateway.Policy.Bundles.PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);

        Assert.True(result.Tenant!.TryGetCatalogEntry(entry, out var found));
        Assert.Equal(requestBytes, found!.Limits.RequestBytes);
        Assert.Equal(responseBytes, found.Limits.ResponseBytes);
    }

    [Fact]
    public void Load_TwoMcpToolEntriesForOneServerTool_AreRefused()
    {
        var text = Tenant + "\n  - { name: tickets.create-lax, kind: mcp_tool, action_type: read, target_system: tickets, connector: tickets, mcp_tool: create_ticket }";

        var result = Gateway.Policy.Bundles.PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());

        Assert.Null(result.Tenant);
        var error = Assert.Single(result.Errors);
        Assert.Equal(Gateway.Policy.Bundles.BundleErrorCodes.DuplicateId, error.Code);
        Assert.Contains("'tickets.create-lax'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'tickets.create'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoA2aSkillEntriesForOneSkill_AreRefused()
    {
        const string text = """
            tenant: t1
            workspaces: [w]
            catalog:
              - { name: helper, kind: a2a, action_type: read, target_system: helper, upstream: "http://127.0.0.1:9400/a2a", credential: none }
              - { name: helper.wire, kind: a2a_skill, action_type: external, target_system: helper, connector: helper, a2a_skill: wire }
              - { name: helper.wire-read, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: wire }
            """;

        var result = Gateway.Policy.Bundles.PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal(Gateway.Policy.Bundles.BundleErrorCodes.DuplicateId, error.Code);
        Assert.Contains("'helper.wire-read'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OneToolNameOnTwoServers_Loads()
    {
        var text = Tenant + """

              - { name: desk, kind: mcp, action_type: read, target_system: desk, upstream: "http://127.0.0.1:9300/mcp", credential: none }
              - { name: desk.create, kind: mcp_tool, action_type: write, target_system: desk, connector: desk, mcp_tool: create_ticket }
            """;

        Assert.Empty(Gateway.Policy.Bundles.PolicyBundleLoader.LoadTenantText("t1.yaml", text, Path.GetTempPath()).Errors);
    }
}
