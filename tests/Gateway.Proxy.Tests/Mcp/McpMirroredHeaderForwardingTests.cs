using System.Net;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// Where the gateway sends its own MCP call upstream (<c>/mcp</c>, <c>/v1/actions/invoke-tool</c> of an <c>mcp_tool</c>), the
/// agent's own <c>Mcp-Method</c>, <c>Mcp-Name</c> and <c>Mcp-Param-*</c> headers never travel beside it: a server or router
/// that reads them would be shown another method, tool or argument than the call decided and sent. The real MCP servers
/// (the official .NET SDK) record every mirrored header they receive.
/// </summary>
public sealed class McpMirroredHeaderForwardingTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task McpPost_AgentSendsMirroredHeaders_TheServerReceivesNoneBesideTheGatewaysCall()
    {
        var (status, json) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"q3"}}}""",
            ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "notes__find"), ("Mcp-Param-Text", "erase everything"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(json.TryGetProperty("error", out _), json.ToString());
        Assert.Equal("find", Assert.Single(_mcp.Notes.Calls).Tool);
        AssertNoneOfTheAgents();
    }

    [Fact]
    public async Task InvokeTool_AgentSendsMirroredHeadersNamingAnotherTool_TheServerReceivesNone()
    {
        var agent = _mcp.Gateway.Agent;
        using var request = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"notes.find","args":{"text":"q3"}}""");
        request.Headers.TryAddWithoutValidation("Mcp-Method", "tools/call");
        request.Headers.TryAddWithoutValidation("Mcp-Name", "erase");
        request.Headers.TryAddWithoutValidation("Mcp-Param-Id", "all");

        using var response = await agent.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("find", Assert.Single(_mcp.Notes.Calls).Tool);
        AssertNoneOfTheAgents();
    }

    // The gateway's own session client marks its initialize (Mcp-Method: initialize); nothing of the agent's call goes up.
    private void AssertNoneOfTheAgents() =>
        Assert.DoesNotContain(_mcp.Notes.MirroredHeaders, headers => headers.Contains("tools/call", StringComparison.Ordinal)
            || headers.Contains("Mcp-Name", StringComparison.OrdinalIgnoreCase) || headers.Contains("Mcp-Param-", StringComparison.OrdinalIgnoreCase));
}
