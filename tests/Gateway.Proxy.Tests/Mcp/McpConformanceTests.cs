using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// What the official MCP conformance suite at 2026-07-28 found wrong on <c>/mcp</c> (issue #68, findings 9–11; the suite
/// itself runs in <c>tests/node/test/mcp-conformance.test.js</c>): the headers the transport mirrors from the body are held
/// to the body as on the per-server route, a resource read carries caching hints, an unsupported protocol version is
/// refused with the data layout SEP-2575 gives, and an unknown resource's error names its URI (SEP-2164).
/// </summary>
public sealed class McpConformanceTests : IAsyncLifetime
{
    private const string Version = "2026-07-28";
    private const string FindCall = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"x"}}}""";
    private const string NoteUri = "gamut-mcp://notes/note%3A%2F%2Fq3-plan";
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task McpPost_McpNameDisagreesWithParamsName_IsRefusedWithHeaderMismatchAndNotForwarded()
    {
        var (status, json) = await _mcp.PostAsync(FindCall, ("MCP-Protocol-Version", Version), ("Mcp-Method", "tools/call"), ("Mcp-Name", "notes__erase"));

        AssertHeaderMismatch(status, json);
    }

    [Fact]
    public async Task McpPost_ToolsCallWithoutMcpNameAt20260728_IsRefusedWithHeaderMismatchAndNotForwarded()
    {
        var (status, json) = await _mcp.PostAsync(FindCall, ("MCP-Protocol-Version", Version), ("Mcp-Method", "tools/call"));

        AssertHeaderMismatch(status, json);
    }

    [Fact]
    public async Task McpPost_McpMethodDisagreesWithTheBody_IsRefusedWithHeaderMismatchAndNotForwarded()
    {
        var (status, json) = await _mcp.PostAsync(FindCall, ("MCP-Protocol-Version", Version), ("Mcp-Method", "tasks/get"), ("Mcp-Name", "notes__find"));

        AssertHeaderMismatch(status, json);
    }

    [Fact]
    public async Task McpPost_McpNameAgreeingWithWhitespaceAround_IsForwarded()
    {
        var (status, json) = await _mcp.PostAsync(FindCall, ("MCP-Protocol-Version", Version), ("Mcp-Method", "tools/call"), ("Mcp-Name", "  notes__find\t"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(json.TryGetProperty("error", out _), json.ToString());
        Assert.Equal("find", Assert.Single(_mcp.Notes.Calls).Tool);
    }

    [Fact]
    public async Task McpPost_ToolsCallWithoutMcpNameBefore20260728_IsForwarded()
    {
        var (status, json) = await _mcp.PostAsync(FindCall, ("MCP-Protocol-Version", "2025-11-25"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(json.TryGetProperty("error", out _), json.ToString());
        Assert.Equal("find", Assert.Single(_mcp.Notes.Calls).Tool);
    }

    [Fact]
    public async Task McpPost_ResourcesReadAt20260728_CarriesTtlMsZeroAndPrivateCacheScope()
    {
        var (_, json) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"gamut-mcp://notes/note%3A%2F%2Fq3-plan"}}""",
            ("MCP-Protocol-Version", Version), ("Mcp-Method", "resources/read"), ("Mcp-Name", NoteUri));

        var result = json.GetProperty("result");
        Assert.NotEmpty(result.GetProperty("contents").EnumerateArray());
        Assert.Equal(0, result.GetProperty("ttlMs").GetInt32());
        Assert.Equal("private", result.GetProperty("cacheScope").GetString());
    }

    [Fact]
    public async Task McpPost_ContextPackReadAt20260728_CarriesTtlMsZeroAndPrivateCacheScope()
    {
        const string Uri = "gamut-context://workspace?query=road%20map";
        var (_, json) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"gamut-context://workspace?query=road%20map"}}""",
            ("MCP-Protocol-Version", Version), ("Mcp-Method", "resources/read"), ("Mcp-Name", Uri));

        var result = json.GetProperty("result");
        Assert.Equal(0, result.GetProperty("ttlMs").GetInt32());
        Assert.Equal("private", result.GetProperty("cacheScope").GetString());
    }

    [Fact]
    public async Task McpPost_UnsupportedProtocolVersion_IsRefusedWith32022NamingTheSupportedAndTheRequestedVersion()
    {
        var (status, json) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":4,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"v999.0.0"}}}""",
            ("MCP-Protocol-Version", "v999.0.0"), ("Mcp-Method", "server/discover"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = json.GetProperty("error");
        Assert.Equal(-32022, error.GetProperty("code").GetInt32());
        Assert.Equal([Version], error.GetProperty("data").GetProperty("supported").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("v999.0.0", error.GetProperty("data").GetProperty("requested").GetString());
        Assert.Equal("mcp_unsupported_protocol_version", error.GetProperty("data").GetProperty("code").GetString());
    }

    [Fact]
    public async Task McpPost_UnsupportedProtocolVersionOnAToolCall_IsRefusedAndNotForwarded()
    {
        var (status, json) = await _mcp.PostAsync(FindCall, ("MCP-Protocol-Version", "2099-01-01"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "notes__find"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32022, json.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task McpPost_UnknownResource_IsInvalidParamsWithTheUriInData()
    {
        const string Uri = "gamut-mcp://nowhere/test%3A%2F%2Fnonexistent";
        var (_, json) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"gamut-mcp://nowhere/test%3A%2F%2Fnonexistent"}}""",
            ("MCP-Protocol-Version", Version), ("Mcp-Method", "resources/read"), ("Mcp-Name", Uri));

        var error = json.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal(Uri, error.GetProperty("data").GetProperty("uri").GetString());
    }

    private void AssertHeaderMismatch(HttpStatusCode status, JsonElement json)
    {
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = json.GetProperty("error");
        Assert.Equal(-32020, error.GetProperty("code").GetInt32());
        Assert.Equal("mcp_header_mismatch", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(7, json.GetProperty("id").GetInt32());
        Assert.Empty(_mcp.Notes.Calls);
    }
}
