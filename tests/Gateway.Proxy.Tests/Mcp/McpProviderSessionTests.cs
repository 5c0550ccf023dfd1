using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// An MCP server's session on its per-server route <c>/providers/&lt;server&gt;</c> is the agent's that opened it: the
/// server sees only the connector's credential, so the gateway gives the agent the server's session id bound to it and
/// sends the server its own id only for that agent. Another agent holding the id, or an id the gateway never gave, is
/// answered 404 before anything reaches the server.
/// </summary>
public sealed class McpProviderSessionTests : IAsyncLifetime
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"gateway-tests","version":"1.0"}}}""";
    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";
    private const string ToolsList = """{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}""";
    private const string RoguePermissions = "    risk_tier: high\n    playbooks: [prompt_injection, unauthorised_external_action, rogue_agent]\n    secret: file:secrets/rogue-agent.secret\n    permissions:\n";
    private McpGateway _mcp = null!;

    // The demo agent and a second agent may both speak to the files server through /providers/files: the rogue agent,
    // cleared (medium risk, its finding closed) so that policy lets its calls through as it does the demo agent's.
    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(text => text
        .Replace("      - { tool: files.write }\n", "      - { tool: files.write }\n      - { tool: files }\n", StringComparison.Ordinal)
        .Replace("    status: open\n    agents: [rogue-agent]\n", "    status: closed\n    agents: [rogue-agent]\n", StringComparison.Ordinal)
        .Replace(RoguePermissions, RoguePermissions.Replace("risk_tier: high", "risk_tier: medium", StringComparison.Ordinal) + "      - { tool: files }\n", StringComparison.Ordinal));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ProvidersInitialize_UpstreamSessionId_IsBoundToTheAgent()
    {
        var bound = await OpenSessionAsync();

        var (status, body, _) = await SendAsync(_mcp.SignedHttp(), HttpMethod.Post, ToolsList, bound);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("read_file", body, StringComparison.Ordinal);
        var upstream = bound[..bound.LastIndexOf('.')];
        Assert.NotEmpty(upstream);
        Assert.Contains(_mcp.Files.Requests, r => r.Method == "POST" && r.SessionId == upstream);
        Assert.DoesNotContain(_mcp.Files.Requests, r => r.SessionId == bound);
    }

    [Fact]
    public async Task ProvidersGet_AnotherAgentsSessionId_Is404AndNeverReachesTheServer()
    {
        var bound = await OpenSessionAsync();

        var (status, body, requestId) = await SendAsync(Rogue(), HttpMethod.Get, null, bound, ("Last-Event-ID", "0"));

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("mcp_session_not_found", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain(_mcp.Files.Requests, r => r.Method == "GET");
        Assert.Contains("mcp_session_not_found", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersDelete_AnotherAgentsSessionId_Is404AndTheSessionLives()
    {
        var bound = await OpenSessionAsync();

        var (status, _, _) = await SendAsync(Rogue(), HttpMethod.Delete, null, bound);
        var (ownStatus, ownBody, _) = await SendAsync(_mcp.SignedHttp(), HttpMethod.Post, ToolsList, bound);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain(_mcp.Files.Requests, r => r.Method == "DELETE");
        Assert.Equal(HttpStatusCode.OK, ownStatus);
        Assert.Contains("read_file", ownBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersPost_UnboundSessionId_Is404()
    {
        var bound = await OpenSessionAsync();
        var upstream = _mcp.Files.Requests.Last(r => r.SessionId is not null).SessionId!;
        var before = _mcp.Files.Requests.Count;

        // The server's own id, which the gateway never gave any agent as it is.
        var (status, body, _) = await SendAsync(_mcp.SignedHttp(), HttpMethod.Post, ToolsList, upstream);

        Assert.Equal(HttpStatusCode.NotFound, status);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("mcp_session_not_found", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(before, _mcp.Files.Requests.Count);
        Assert.NotEqual(upstream, bound);
    }

    [Fact]
    public async Task ProvidersGet_LastEventIdWithoutASession_IsNotForwarded()
    {
        var (_, _, _) = await SendAsync(_mcp.SignedHttp(), HttpMethod.Get, null, null, ("Last-Event-ID", "0"));

        var get = Assert.Single(_mcp.Files.Requests, r => r.Method == "GET");
        Assert.Null(get.LastEventId);
        Assert.Null(get.SessionId);
    }

    private HttpClient Rogue() => _mcp.SignedHttp("rogue-agent", _mcp.Gateway.RogueSecret);

    // The demo agent initializes a session of the files server; the session id it was given.
    private async Task<string> OpenSessionAsync()
    {
        using var http = _mcp.SignedHttp();
        using var request = Request(HttpMethod.Post, Initialize, null);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bound = Assert.Single(response.Headers.GetValues("Mcp-Session-Id"));
        var (status, _, _) = await SendAsync(_mcp.SignedHttp(), HttpMethod.Post, Initialized, bound);
        Assert.Equal(HttpStatusCode.Accepted, status);
        return bound;
    }

    // Sends one request through /providers/files and reads its answer: an event stream only up to its first event.
    private static async Task<(HttpStatusCode Status, string Body, string RequestId)> SendAsync(
        HttpClient http, HttpMethod method, string? json, string? session, params (string Name, string Value)[] headers)
    {
        using (http)
        {
            using var request = Request(method, json, session);
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
            return (response.StatusCode, await FirstMessageAsync(response), requestId);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string? json, string? session)
    {
        var request = new HttpRequestMessage(method, "/providers/files");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-06-18");
        if (session is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        }

        return request;
    }

    // A JSON body whole; of an event stream, the data of its first event with data (nothing of a GET's, which stays open).
    private static async Task<string> FirstMessageAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return await response.Content.ReadAsStringAsync();
        }

        if (response.RequestMessage?.Method == HttpMethod.Get)
        {
            return string.Empty;
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var block = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            block.Append(line).Append('\n');
            if (line.Length == 0 && SseEvents.Parse(block.ToString()) is [var first, ..])
            {
                return first.Json.GetRawText();
            }
        }

        return string.Empty;
    }
}
