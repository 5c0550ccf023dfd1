using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// On an MCP server's own route <c>/providers/&lt;server&gt;</c> the body is forwarded as sent, so a member the gateway reads
/// (<c>method</c>, <c>params</c>, <c>params.name</c>, <c>params.arguments</c>, <c>params.uri</c>, …) spelled in another case
/// beside or instead of it — the member a server binding names without case would act on — is refused, recorded, and never
/// reaches the server; the exact spellings are served as before.
/// </summary>
public sealed class McpProviderMemberSpellingTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartWithFilesRouteAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":{"text":"x"},"Arguments":{"text":"DROP"},"Name":"write_file"}}""", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":{"text":"x"},"argument\u017F":{"text":"DROP"}}}""", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"note://q3-plan","URI":"note://hr/pay"}}""", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","Method":"tools/call","PARAMS":{"name":"write_file","arguments":{"text":"x"}}}""", -32600)]
    public async Task ProvidersCall_MemberTheGatewayReadsSpelledInAnotherCase_IsRefusedRecordedAndNeverReachesTheServer(string json, int code)
    {
        await using var client = await _mcp.ConnectProviderAsync("files");
        var upstream = UpstreamSession(client);
        var before = PostsIn(upstream);

        var (body, requestId) = await PostAsync(json, client.SessionId!);

        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("malformed_body", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
        Assert.Equal(before, PostsIn(upstream));
        Assert.Empty(_mcp.Files.Calls);
        Assert.Empty(_mcp.Files.Reads);
    }

    [Fact]
    public async Task ProvidersCall_MembersSpelledExactly_ReachesTheServer()
    {
        await using var client = await _mcp.ConnectProviderAsync("files");

        var (body, _) = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":{"text":"x"}}}""", client.SessionId!);

        Assert.Contains("read_file ran with", body, StringComparison.Ordinal);
        var call = Assert.Single(_mcp.Files.Calls);
        Assert.Equal("read_file", call.Tool);
        Assert.Equal("""{"text":"x"}""", call.Arguments);
    }

    /// <summary>The server's own session id behind the one the gateway gave the client (<c>S.&lt;mac&gt;</c>).</summary>
    private static string UpstreamSession(McpClient client) => client.SessionId![..client.SessionId!.LastIndexOf('.')];

    private int PostsIn(string upstreamSession) => _mcp.Files.Requests.Count(r => r.Method == "POST" && r.SessionId == upstreamSession);

    private async Task<(string Body, string RequestId)> PostAsync(string json, string session)
    {
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/providers/files") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        using var response = await http.SendAsync(request);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
        return (await response.Content.ReadAsStringAsync(), requestId);
    }
}
