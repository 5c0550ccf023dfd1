using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Routing;

/// <summary>
/// A governed <c>mcp_tool</c> call on the native route is forwarded by YARP to its MCP server's cluster:
/// the session is opened first (initialize, then notifications/initialized), the call carries the
/// session id, a server that forgot the session gets a new one, and the agent receives the redacted
/// JSON-RPC result. A real Kestrel MCP server stands upstream.
/// </summary>
public sealed class McpToolInvocationTests
{
    [Fact]
    public async Task InvokeTool_McpTool_OpensTheSessionThenCallsAndReturnsTheRedactedResult()
    {
        var server = new McpServer();
        await using var upstream = await KestrelUpstream.StartAsync(server.Map);
        await using var gw = await GovernedGateway.StartAsync(text => text.Replace("http://127.0.0.1:9200/mcp", upstream.Origin + "/mcp", StringComparison.Ordinal));

        var first = await SearchAsync(gw, "gateways");
        var second = await SearchAsync(gw, "policies");

        Assert.Equal("found gateways for [REDACTED:email]", first);
        Assert.Equal("found policies for [REDACTED:email]", second);
        Assert.Equal(["initialize", "notifications/initialized", "tools/call", "tools/call"], server.Methods);
        Assert.All(server.Calls, call => Assert.Equal("session-1", call.Session));
    }

    [Fact]
    public async Task InvokeTool_McpServerForgotTheSession_ReopenedOnceAndTheCallSucceeds()
    {
        var server = new McpServer();
        await using var upstream = await KestrelUpstream.StartAsync(server.Map);
        await using var gw = await GovernedGateway.StartAsync(text => text.Replace("http://127.0.0.1:9200/mcp", upstream.Origin + "/mcp", StringComparison.Ordinal));
        await SearchAsync(gw, "before");

        server.ForgetSessions();
        var answer = await SearchAsync(gw, "after");

        Assert.Equal("found after for [REDACTED:email]", answer);
        Assert.Equal(2, server.Methods.Count(m => m == "initialize"));
        Assert.Equal("session-2", server.Calls.Last().Session);
    }

    private static async Task<string> SearchAsync(GovernedGateway gw, string query)
    {
        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool",
            "{\"tool\":\"docs.search\",\"args\":{\"query\":\"" + query + "\"}}"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.True(root.GetProperty("invoked").GetBoolean());
        return root.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!;
    }

    /// <summary>A minimal MCP streamable-HTTP server: sessions, and a search tool that answers with an e-mail address.</summary>
    private sealed class McpServer
    {
        private int _sessions;
        private volatile string? _current;

        public ConcurrentQueue<string> MethodsQueue { get; } = new();

        public IReadOnlyList<string> Methods => [.. MethodsQueue];

        public ConcurrentQueue<(string Session, string Query)> CallsQueue { get; } = new();

        public IReadOnlyList<(string Session, string Query)> Calls => [.. CallsQueue];

        public void ForgetSessions() => _current = null;

        public void Map(WebApplication app) => app.MapPost("/mcp", async (HttpContext context) =>
        {
            using var message = await JsonDocument.ParseAsync(context.Request.Body);
            var method = message.RootElement.GetProperty("method").GetString()!;
            MethodsQueue.Enqueue(method);
            var session = context.Request.Headers["Mcp-Session-Id"].ToString();
            switch (method)
            {
                case "initialize":
                    _current = "session-" + Interlocked.Increment(ref _sessions);
                    context.Response.Headers["Mcp-Session-Id"] = _current;
                    return Results.Text("{\"jsonrpc\":\"2.0\",\"id\":" + message.RootElement.GetProperty("id").GetRawText() + ",\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"serverInfo\":{\"name\":\"docs\",\"version\":\"1\"}}}", "application/json");
                case "notifications/initialized":
                    return Results.StatusCode(StatusCodes.Status202Accepted);
                case "tools/call" when session.Length == 0 || session != _current:
                    return Results.NotFound();
                case "tools/call":
                    var query = message.RootElement.GetProperty("params").GetProperty("arguments").GetProperty("query").GetString()!;
                    CallsQueue.Enqueue((session, query));
                    var id = message.RootElement.GetProperty("id").GetRawText();
                    var result = JsonSerializer.Serialize(new { content = new[] { new { type = "text", text = $"found {query} for {TestUpstream.Email}" } } });
                    return Results.Text("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}\n\n", "text/event-stream");
                default:
                    return Results.BadRequest();
            }
        });
    }
}
