namespace Gateway.Policy.Tests.Register;

/// <summary>
/// <see cref="TenantPolicy.FindMcpTool"/>: the catalog's <c>mcp_tool</c> entry serving a tool of an MCP server, which
/// Describe names a provider-route <c>tools/call</c> by and Enforce filters a <c>tools/list</c> with.
/// </summary>
public sealed class TenantPolicyMcpToolTests
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        catalog:
          - { name: docs, kind: mcp, action_type: read, target_system: docs, upstream: "http://127.0.0.1:9200/mcp", credential: none }
          - { name: wiki, kind: mcp, action_type: read, target_system: wiki, upstream: "http://127.0.0.1:9201/mcp", credential: none }
          - { name: docs.search, kind: mcp_tool, action_type: read, target_system: docs, connector: docs, mcp_tool: search }
          - { name: wiki.find, kind: mcp_tool, action_type: read, target_system: wiki, connector: wiki, mcp_tool: find }
        """;

    [Theory]
    [InlineData("docs", "search", "docs.search")]
    [InlineData("wiki", "find", "wiki.find")]
    [InlineData("docs", "find", null)]
    [InlineData("wiki", "search", null)]
    [InlineData("docs.search", "search", null)]
    public void FindMcpTool_ServerAndToolName_IsTheEntryServingItOnThatServerOnly(string server, string tool, string? expected)
    {
        var result = Gateway.Policy.Bundles.PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(result.Errors);

        Assert.Equal(expected, result.Tenant!.FindMcpTool(server, tool));
    }
}
