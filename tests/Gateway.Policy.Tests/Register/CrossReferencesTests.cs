namespace Gateway.Policy.Tests.Register;

/// <summary>An <c>mcp_tool</c> entry's limits as the bundle loads them: its <c>mcp</c> server's <c>limits</c> hold for it too, the tighter of each.</summary>
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
}
