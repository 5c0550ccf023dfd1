using System.Net;
using System.Text.Json;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// An MCP server's <c>tools/list</c> answer through <c>/providers/docs</c> lists only the tools the
/// agent may call, whether the server answers as JSON (one response or a batch) or as SSE; an answer
/// the filter cannot read is refused, never passed through. The demo agent may call docs.search only:
/// <c>delete_document</c> (not permitted) and <c>undeclared_tool</c> (no catalog entry) are hidden.
/// </summary>
public sealed class McpToolsListFilterTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public McpToolsListFilterTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("\"json\"")]
    [InlineData("7")]
    public async Task Providers_McpToolsListAnsweredAsJson_ListsOnlyPermittedTools(string id)
    {
        var body = await ListToolsAsync("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/list\"}");
        Assert.Equal(["search"], ToolNames(JsonDocument.Parse(body).RootElement));
        Assert.DoesNotContain("delete_document", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_McpToolsListBatchAnsweredAsJsonArray_ListsOnlyPermittedToolsInEveryAnswer()
    {
        var body = await ListToolsAsync("""[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"c"}}]""");
        var answers = JsonDocument.Parse(body).RootElement;
        Assert.Equal(2, answers.GetArrayLength());
        Assert.All(answers.EnumerateArray(), answer => Assert.Equal(["search"], ToolNames(answer)));
        Assert.DoesNotContain("delete_document", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_McpToolsListAnsweredAsSse_ListsOnlyPermittedTools()
    {
        var body = await ListToolsAsync("""{"jsonrpc":"2.0","id":"sse","method":"tools/list"}""");
        var data = Assert.Single(body.Split('\n'), l => l.StartsWith("data: ", StringComparison.Ordinal));
        Assert.Equal(["search"], ToolNames(JsonDocument.Parse(data[6..]).RootElement));
        Assert.DoesNotContain("delete_document", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Providers_McpResumedStreamReplayingToolsList_ListsOnlyPermittedTools()
    {
        // GET with the session (the server's "session-1" as the gateway gave it to the demo agent) and Last-Event-ID: the
        // server replays a tools/list answer the POST that asked for it no longer accompanies; it is filtered exactly as the
        // original was.
        var session = _gw.Host.Services.GetRequiredService<McpSessionBinding>().Bind(new McpSessionOwner("demo", "demo-agent", "docs"), "session-1");
        var request = _gw.Agent.Create(HttpMethod.Get, "/providers/docs");
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "3");
        using var response = await _gw.Agent.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var data = Assert.Single(body.Split('\n'), l => l.StartsWith("data: ", StringComparison.Ordinal));
        Assert.Equal(["search"], ToolNames(JsonDocument.Parse(data[6..]).RootElement));
        Assert.DoesNotContain("delete_document", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unreadable")]
    [InlineData("tools-not-a-list")]
    public async Task Providers_McpToolsListAnswerTheFilterCannotRead_IsRefusedNotPassed(string id)
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/docs",
            "{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"method\":\"tools/list\"}"));

        // A request with an id is refused in JSON-RPC (HTTP 200 carrying the error).
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("delete_document", body, StringComparison.Ordinal);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("upstream_unavailable", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(502, error.GetProperty("data").GetProperty("status").GetInt32());
        Assert.Single(_gw.Upstream.To("/mcp"), r => r.Body.Contains(id, StringComparison.Ordinal));
    }

    /// <summary>Sends a tools/list through the docs connector; returns the 200 answer's body.</summary>
    private async Task<string> ListToolsAsync(string request)
    {
        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/docs", request));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static string[] ToolNames(JsonElement answer) =>
        [.. answer.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString() ?? string.Empty)];
}
