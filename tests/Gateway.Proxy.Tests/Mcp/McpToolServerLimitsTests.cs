using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>An <c>mcp_tool</c> with no limits of its own is held within its MCP server's <c>limits</c>: a call larger than the server's is refused and never sent.</summary>
public sealed class McpToolServerLimitsTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(text => text.Replace(
        "    upstream: http://127.0.0.1:9200/mcp\n    credential: none\n",
        "    upstream: http://127.0.0.1:9200/mcp\n    credential: none\n    limits: { max_request_bytes: 4096 }\n",
        StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_CallLargerThanItsServersLimit_Returns413AndForwardsNothing()
    {
        var before = _gw.Upstream.To("/mcp").Count;
        var query = string.Concat(Enumerable.Repeat("lorem ipsum ", 1024));

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", "{\"tool\":\"docs.search\",\"args\":{\"query\":\"" + query + "\"}}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(before, _gw.Upstream.To("/mcp").Count);
    }
}
