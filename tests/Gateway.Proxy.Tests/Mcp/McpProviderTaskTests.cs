using System.Net;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// On an MCP server's own route <c>/providers/&lt;server&gt;</c> only the methods the gateway decides, filters or knows to
/// act on nothing are forwarded: the tasks extension's <c>tasks/*</c> (whose tasks the server keeps under the one
/// credential every agent shares, so one agent could read or cancel another's) and a vendor's method are refused
/// (<c>operation_not_mapped</c>, JSON-RPC -32601), recorded, and never reach the server.
/// </summary>
public sealed class McpProviderTaskTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartWithFilesRouteAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task TasksResult_OnTheServersRoute_IsRefusedRecordedAndNotForwarded() =>
        await AssertRefusedAsync("""{"jsonrpc":"2.0","id":7,"method":"tasks/result","params":{"taskId":"task-of-agent-a"}}""");

    [Fact]
    public async Task TasksList_OnTheServersRoute_IsRefusedRecordedAndNotForwarded() =>
        await AssertRefusedAsync("""{"jsonrpc":"2.0","id":7,"method":"tasks/list","params":{}}""");

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"tasks/get","params":{"taskId":"task-of-agent-a"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"tasks/cancel","params":{"taskId":"task-of-agent-a"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"tasks/update","params":{"taskId":"task-of-agent-a","inputResponses":{}}}""")]
    public async Task TasksMethod_OnTheServersRoute_IsRefusedRecordedAndNotForwarded(string json) => await AssertRefusedAsync(json);

    [Fact]
    public async Task VendorMethod_OnTheServersRoute_IsRefusedRecordedAndNotForwarded() =>
        await AssertRefusedAsync("""{"jsonrpc":"2.0","id":7,"method":"acme/purge_all","params":{"confirm":true}}""");

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"tasks/cancel","params":{"taskId":"task-of-agent-a"}}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/acme/purge_cache","params":{"all":true}}""")]
    public async Task UnservedNotification_OnTheServersRoute_IsRefusedInHttpAndNotForwarded(string notification)
    {
        await using var client = await ConnectFilesAsync();
        var upstream = UpstreamSession(client);
        var before = PostsIn(upstream);

        var (status, body, requestId) = await PostAsync(notification, client.SessionId!);

        // A notification has no id to answer under: the refusal is said in HTTP.
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("operation_not_mapped", body, StringComparison.Ordinal);
        Assert.Contains("operation_not_mapped", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
        Assert.Equal(before, PostsIn(upstream));
    }

    [Fact]
    public async Task ServedMethods_OnTheServersRoute_StillReachTheServer()
    {
        await using var client = await ConnectFilesAsync();
        var upstream = UpstreamSession(client);
        var before = PostsIn(upstream);

        await client.PingAsync();
        await client.ListToolsAsync();
        await client.ListResourcesAsync();
        await client.ListResourceTemplatesAsync();
        await client.ListPromptsAsync();
        await client.UnsubscribeFromResourceAsync("note://q3-plan");
        var (_, body, _) = await PostAsync("""{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}""", client.SessionId!);

        Assert.DoesNotContain("operation_not_mapped", body, StringComparison.Ordinal);
        Assert.Equal(before + 7, PostsIn(upstream));
        Assert.Equal("note://q3-plan", Assert.Single(_mcp.Files.Unsubscribed));
    }

    private async Task AssertRefusedAsync(string json)
    {
        await using var client = await ConnectFilesAsync();
        var upstream = UpstreamSession(client);
        var before = PostsIn(upstream);

        var (_, body, requestId) = await PostAsync(json, client.SessionId!);

        Assert.Equal(before, PostsIn(upstream));
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(7, answer.GetProperty("id").GetInt32());
        var error = answer.GetProperty("error");
        Assert.Equal(-32601, error.GetProperty("code").GetInt32());
        Assert.Equal("operation_not_mapped", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("operation_not_mapped", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
    }

    /// <summary>A client of <c>/providers/files</c> at a revision with the tasks extension, signed as the demo agent.</summary>
    private Task<McpClient> ConnectFilesAsync() => McpClient.CreateAsync(
        new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(_mcp.Gateway.Host.BaseAddress, "/providers/files"), TransportMode = HttpTransportMode.StreamableHttp },
            _mcp.SignedHttp(),
            ownsHttpClient: true),
        new McpClientOptions { ClientInfo = new Implementation { Name = "gateway-tests", Version = "1.0" }, ProtocolVersion = "2025-11-25" });

    /// <summary>The server's own session id behind the one the gateway gave the client (<c>S.&lt;mac&gt;</c>).</summary>
    private static string UpstreamSession(McpClient client) => client.SessionId![..client.SessionId!.LastIndexOf('.')];

    private int PostsIn(string upstreamSession) => _mcp.Files.Requests.Count(r => r.Method == "POST" && r.SessionId == upstreamSession);

    private async Task<(HttpStatusCode Status, string Body, string RequestId)> PostAsync(string json, string session)
    {
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/providers/files") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(request);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), requestId);
    }
}
