using System.Net;
using System.Text;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// An <c>initialize</c> that makes an agent's idle session give way (the agent at its session limit) is recorded, under the
/// tool <c>mcp</c>, before that session is ended; one that finds room ends nothing and is recorded as nothing.
/// </summary>
public sealed class McpSessionGivesWayAuditTests : IAsyncLifetime
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:Mcp:MaxSessionsPerAgent"] = "1" });

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Initialize_AtTheSessionLimit_TheSessionGivingWayIsRecorded()
    {
        await using var first = await _mcp.ConnectAsync("2025-11-25");

        var (status, requestId) = await InitializeRawAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        var record = Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId));
        Assert.Equal("mcp_session_gave_way", record.GetProperty("decision").GetString());
        Assert.Equal("mcp", record.GetProperty("tool").GetString());
        var (gone, _) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", ("Mcp-Session-Id", first.SessionId!), ("MCP-Protocol-Version", "2025-11-25"));
        Assert.Equal(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task Initialize_WithRoom_IsRecordedAsNothing()
    {
        var (status, requestId) = await InitializeRawAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(await _mcp.Gateway.AuditRecordsAsync(requestId));
    }

    private async Task<(HttpStatusCode Status, string RequestId)> InitializeRawAsync()
    {
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (response.StatusCode, response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty);
    }
}
