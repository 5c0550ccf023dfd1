using Gateway.Connectors.Mcp;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A server that pages its listings forever (<see cref="McpPagingServer"/>, <c>pager</c> in the catalog, its tool and the
/// server itself permitted) beside the two well-behaved ones: the gateway reads each listing to a bound, the empty pages
/// of tools end at the first, the endless prompts, resources and templates are cut off and that server left out, and the
/// other servers are listed as before.
/// </summary>
public sealed class McpListingBoundsTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private McpPagingServer _pager = null!;
    private McpGateway _mcp = null!;

    public async Task InitializeAsync()
    {
        _pager = await McpPagingServer.StartAsync();
        _mcp = await McpGateway.StartAsync(text => text
            .Replace("catalog:\n", $"catalog:\n  - {{ name: pager, kind: mcp, action_type: read, target_system: pager, upstream: \"{_pager.Url}\", credential: none }}\n  - {{ name: pager.page, kind: mcp_tool, action_type: read, target_system: pager, connector: pager, mcp_tool: page }}\n", StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: pager }\n      - { tool: pager.page }\n", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _mcp.DisposeAsync();
        await _pager.DisposeAsync();
    }

    [Fact]
    public async Task ListTools_ServerPagesEmptyForever_OtherServersToolsStillListed()
    {
        await using var client = await _mcp.ConnectAsync();

        var names = (await client.ListToolsAsync().AsTask().WaitAsync(Bound)).Select(t => t.Name).ToList();

        Assert.Contains("notes__find", names);
        Assert.Contains("files__read_file", names);
        Assert.DoesNotContain(names, n => n.StartsWith("pager", StringComparison.Ordinal));
        Assert.Equal(1, _pager.ToolPages);
    }

    [Fact]
    public async Task ListPrompts_ServerPagesForever_IsCutAtTheBound()
    {
        await using var client = await _mcp.ConnectAsync();

        var names = (await client.ListPromptsAsync().AsTask().WaitAsync(Bound)).Select(p => p.Name).ToList();

        Assert.Equal(["notes__summarize"], names);
        Assert.Equal(McpServerToolLists.MaxListingPages, _pager.PromptPages);
    }

    [Fact]
    public async Task ListResources_ServerPagesForever_OnlyThatServerIsLeftOut()
    {
        await using var client = await _mcp.ConnectAsync();

        var uris = (await client.ListResourcesAsync().AsTask().WaitAsync(Bound)).Select(r => r.Uri).ToList();

        Assert.Equal(["gamut-context://workspace", "gamut-mcp://notes/note%3A%2F%2Fq3-plan"], uris);
    }

    [Fact]
    public async Task ListResourceTemplates_ServerPagesForever_OnlyThatServerIsLeftOut()
    {
        await using var client = await _mcp.ConnectAsync();

        var templates = (await client.ListResourceTemplatesAsync().AsTask().WaitAsync(Bound)).Select(t => t.UriTemplate).ToList();

        Assert.Equal(["gamut-mcp://notes/note%3A%2F%2F{id}"], templates);
    }
}
