using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A body that is not one JSON-RPC message, on <c>/mcp</c> and on an MCP server's own route <c>/providers/&lt;server&gt;</c>,
/// is answered as JSON-RPC in HTTP 400: <c>-32700</c> when it is not JSON, <c>-32600</c> when it is JSON but no one message
/// (a batch, a repeated member, another version), under its id when one can be read, else null; <c>data.code</c> is
/// <c>malformed_body</c> and nothing reaches a server.
/// </summary>
public sealed class McpUnreadableBodyTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartWithFilesRouteAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Theory]
    [InlineData("not json", -32700, "null")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes__find"}""", -32700, "null")]
    [InlineData("""{"jsonrpc":"1.0","id":5,"method":"tools/call","params":{"name":"notes__find"}}""", -32600, "5")]
    [InlineData("""{"jsonrpc":"2.0","id":"r","method":"tools/call","params":{"name":"notes__find","name":"notes__erase"}}""", -32600, "\"r\"")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"notes__find"}}""", -32600, "null")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find"}}]""", -32600, "null")]
    public async Task Post_BodyNotOneJsonRpcMessage_IsAJsonRpcErrorInHttp400(string body, int code, string id)
    {
        var (status, text) = await _mcp.PostRawAsync(body);

        AssertJsonRpcError(status, text, code, id);
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Theory]
    [InlineData("not json", -32700, "null")]
    [InlineData("""{"jsonrpc":"1.0","id":5,"method":"tools/call","params":{"name":"read_file"}}""", -32600, "5")]
    [InlineData("""{"jsonrpc":"2.0","id":"r","method":"tools/call","params":{"name":"read_file","name":"write_file"}}""", -32600, "\"r\"")]
    public async Task ProvidersCall_BodyNotOneJsonRpcMessage_IsAJsonRpcErrorInHttp400(string body, int code, string id)
    {
        var (status, text, _) = await _mcp.PostProviderAsync("files", body);

        AssertJsonRpcError(status, text, code, id);
        Assert.Empty(_mcp.Files.Calls);
    }

    private static void AssertJsonRpcError(HttpStatusCode status, string text, int code, string id)
    {
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var json = JsonDocument.Parse(text);
        Assert.Equal("2.0", json.RootElement.GetProperty("jsonrpc").GetString());
        Assert.Equal(id, json.RootElement.GetProperty("id").GetRawText());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", error.GetProperty("data").GetProperty("code").GetString());
    }
}
