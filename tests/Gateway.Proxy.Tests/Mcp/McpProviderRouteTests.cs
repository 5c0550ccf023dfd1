using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// MCP spoken to one server through its per-server route <c>/providers/&lt;server&gt;</c>: the official .NET client at its
/// default (newest) protocol version is served, which needs the request headers that revision mirrors from the body
/// (<c>Mcp-Method</c>, <c>Mcp-Name</c>) to reach the server; a header that disagrees with the body is refused before it
/// is forwarded; and the <c>Origin</c> check of <c>/mcp</c> applies here too.
/// </summary>
public sealed class McpProviderRouteTests : IAsyncLifetime
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}""";
    private McpGateway _mcp = null!;

    // The demo agent may also speak to the files server directly, through its per-server route /providers/files.
    public async Task InitializeAsync() => _mcp = await McpGateway.StartWithFilesRouteAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ProvidersConnect_OfficialClientAtItsDefaultVersion_ListsAndCallsTools()
    {
        await using var client = await _mcp.ConnectProviderAsync("files");

        Assert.Contains(await client.ListToolsAsync(), t => t.Name == "read_file");
        var result = await client.CallToolAsync("read_file", new Dictionary<string, object?> { ["text"] = "a" });

        Assert.NotEqual(true, result.IsError);
        Assert.Contains(_mcp.Files.Calls, c => c.Tool == "read_file");
    }

    [Fact]
    public async Task ProvidersPost_McpMethodHeaderDisagreesWithTheBody_IsRefusedWithHeaderMismatch()
    {
        var (status, body, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"write_file","arguments":{"text":"x"}}}""",
            ("Mcp-Method", "tools/list"), ("Mcp-Name", "write_file"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(-32020, error.GetProperty("code").GetInt32());
        Assert.Equal("mcp_header_mismatch", error.GetProperty("data").GetProperty("code").GetString());
        Assert.DoesNotContain(_mcp.Files.Calls, c => c.Tool == "write_file");
        Assert.Contains("mcp_header_mismatch", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-11-25", "read_file")] // disagrees with the body
    [InlineData("2026-07-28", null)] // absent where the revision requires it: the rule of /mcp too
    public async Task ProvidersPost_McpNameHeaderDisagreesWithTheBodyOrMissingAt20260728_IsRefusedWithHeaderMismatch(string version, string? name)
    {
        (string, string)[] headers = name is null
            ? [("MCP-Protocol-Version", version), ("Mcp-Method", "tools/call")]
            : [("MCP-Protocol-Version", version), ("Mcp-Method", "tools/call"), ("Mcp-Name", name)];
        var (status, body, _) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"write_file","arguments":{"text":"x"}}}""", headers);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32020, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.DoesNotContain(_mcp.Files.Calls, c => c.Tool is "write_file" or "read_file");
    }

    [Fact]
    public async Task ProvidersPost_McpNameInItsBase64FormAgreeingWithTheBody_IsForwarded()
    {
        var encoded = "=?base64?" + Convert.ToBase64String("read_file"u8) + "?=";

        var (_, body, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_file","arguments":{"text":"x"}}}""",
            ("Mcp-Method", "tools/call"), ("Mcp-Name", encoded));

        // Forwarded (the server itself answers a call made outside a session): recorded as invoked.
        Assert.DoesNotContain("mcp_header_mismatch", body, StringComparison.Ordinal);
        Assert.Contains(await _mcp.Gateway.AuditRecordsAsync(requestId), r => r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
    }

    [Fact]
    public async Task ProvidersPost_SignedWithAForeignOrigin_IsRefusedAndRecorded()
    {
        var (status, body, requestId) = await PostAsync(ToolsList, ("Origin", "http://evil.example"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("origin_not_allowed", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("origin_not_allowed", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersPost_TheGatewaysOwnOrigin_IsNotRefusedForIt()
    {
        var (status, body, _) = await PostAsync(ToolsList, ("Origin", _mcp.Gateway.Host.BaseAddress.GetLeftPart(UriPartial.Authority)));

        Assert.NotEqual(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain("origin_not_allowed", body, StringComparison.Ordinal);
    }

    private Task<(HttpStatusCode Status, string Body, string RequestId)> PostAsync(string json, params (string Name, string Value)[] headers) =>
        _mcp.PostProviderAsync("files", json, headers);
}
