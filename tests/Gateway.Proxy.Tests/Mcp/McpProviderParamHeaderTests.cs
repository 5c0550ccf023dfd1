using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// The <c>Mcp-Param-*</c> headers MCP 2026-07-28 mirrors a tool's declared arguments in (<c>x-mcp-header</c> in its
/// <c>inputSchema</c>), on an MCP server's per-server route <c>/providers/&lt;server&gt;</c>: the gateway checks each one
/// against the body by the definition the server serves it, refuses one that disagrees as it refuses a disagreeing
/// <c>Mcp-Name</c>, and forwards only those that agree, so that a router or a server reading the headers acts on the
/// arguments decided. The server is the official .NET SDK's, and records every mirrored header it receives.
/// </summary>
public sealed class McpProviderParamHeaderTests : IAsyncLifetime
{
    // read_file mirrors its text, a nested integer and a boolean.
    private const string MirroringSchema = """
        {"type":"object","properties":{
          "text":{"type":"string","x-mcp-header":"Text"},
          "options":{"type":"object","properties":{"limit":{"type":"integer","x-mcp-header":"Limit"}}},
          "draft":{"type":"boolean","x-mcp-header":"Draft"}}}
        """;

    private const string Call = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_file","arguments":{"text":"a","options":{"limit":5},"draft":true}}}""";

    private McpGateway _mcp = null!;

    public async Task InitializeAsync()
    {
        _mcp = await McpGateway.StartWithFilesRouteAsync();
        _mcp.Files.DeclareInput("read_file", MirroringSchema);
    }

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ProvidersConnect_OfficialClientCallsAToolThatMirrorsItsArguments_TheServerReceivesTheHeaders()
    {
        await using var client = await _mcp.ConnectProviderAsync("files");
        Assert.Contains(await client.ListToolsAsync(), t => t.Name == "read_file");

        var result = await client.CallToolAsync("read_file", new Dictionary<string, object?>
        {
            ["text"] = "héllo wörld",
            ["options"] = new Dictionary<string, object?> { ["limit"] = 5 },
            ["draft"] = true,
        });

        Assert.NotEqual(true, result.IsError);
        Assert.Contains(_mcp.Files.Calls, c => c.Tool == "read_file");
        var headers = Assert.Single(_mcp.Files.MirroredHeaders, h => h.Contains("Mcp-Param-", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("Mcp-Param-Text: =?base64?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("héllo wörld")) + "?=", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Mcp-Param-Limit: 5", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Mcp-Param-Draft: true", headers, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("Mcp-Param-Text", "b", Call)]
    [InlineData("mcp-param-text", "=?base64?Yg==?=", Call)] // "b", spelled in base64 and another case
    [InlineData("Mcp-Param-Text", "=?base64?not base64!?=", Call)]
    [InlineData("Mcp-Param-Limit", "6", Call)] // a nested argument
    [InlineData("Mcp-Param-Draft", "false", Call)]
    [InlineData("Mcp-Param-Limit", "5", """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_file","arguments":{"text":"a"}}}""")] // no such argument
    public async Task ProvidersPost_McpParamHeaderDisagreesWithTheArgument_IsRefusedWithHeaderMismatch(string header, string value, string body)
    {
        var (status, answer, requestId) = await _mcp.PostProviderAsync("files", body, ("Mcp-Method", "tools/call"), ("Mcp-Name", "read_file"), (header, value));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = JsonDocument.Parse(answer).RootElement.GetProperty("error");
        Assert.Equal(-32020, error.GetProperty("code").GetInt32());
        Assert.Equal("mcp_header_mismatch", error.GetProperty("data").GetProperty("code").GetString());
        Assert.DoesNotContain(_mcp.Files.MirroredHeaders, h => h.Contains("tools/call", StringComparison.Ordinal));
        Assert.Contains("mcp_header_mismatch", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersPost_McpParamHeadersAgreeingOrUndeclared_OnlyTheAgreeingAreForwarded()
    {
        var (_, answer, _) = await _mcp.PostProviderAsync("files", Call, ("Mcp-Method", "tools/call"), ("Mcp-Name", "read_file"),
            ("Mcp-Param-Text", "=?base64?YQ==?="), ("Mcp-Param-Limit", "5.0"), ("Mcp-Param-Draft", "true"), ("Mcp-Param-Region", "eu-west"));
        await _mcp.PostProviderAsync("files", """{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{}}""", ("Mcp-Param-Text", "a"));

        // The call's three that agree went on as sent; the one read_file does not declare, and any beside tools/list, did not.
        Assert.DoesNotContain("mcp_header_mismatch", answer, StringComparison.Ordinal);
        var call = Assert.Single(_mcp.Files.MirroredHeaders, h => h.Contains("tools/call", StringComparison.Ordinal));
        Assert.Contains("Mcp-Param-Text: =?base64?YQ==?=", call, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Mcp-Param-Limit: 5.0", call, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Mcp-Param-Draft: true", call, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Mcp-Param-Region", call, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_mcp.Files.MirroredHeaders, h => !h.Contains("tools/call", StringComparison.Ordinal) && h.Contains("Mcp-Param-", StringComparison.OrdinalIgnoreCase));
    }
}
