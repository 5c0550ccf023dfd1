using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>resources/subscribe</c> and <c>completion/complete</c> on <c>/mcp</c> are governed calls like a <c>resources/read</c>:
/// decided once by the Decide stage (as the read they are about, on the server's entry), the decision appended to the audit
/// chain before the server is asked, an outcome after it; a refusal is a JSON-RPC error (-31000), recorded, and the server
/// is never asked.
/// </summary>
public sealed class McpGovernedSubscribeAndCompleteTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    // Blocks the read of note://hr/… and a prompt whose topic begins with g, on the notes server.
    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(text => text.Replace("rules:\n",
        "rules:\n  - id: no-hr-notes\n    match:\n      tools: [notes]\n      args: [{ path: $.uri, glob: \"note://hr/*\" }]\n    effect: block\n    reason: hr_note\n"
        + "  - id: no-g-topics\n    match:\n      tools: [notes]\n      args: [{ path: $.arguments.topic, glob: \"g*\" }]\n    effect: block\n    reason: g_topics\n",
        StringComparison.Ordinal));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Subscribe_PermittedResource_IsDecidedRecordedThenCarriedOut()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");

        var (json, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"resources/subscribe","params":{"uri":"gamut-mcp://notes/note%3A%2F%2Fq3-plan"}}""", client.SessionId!);

        Assert.True(json.TryGetProperty("result", out _), json.ToString());
        var records = await RecordsAsync(requestId, 2);
        Assert.Equal("notes", records[0].GetProperty("tool").GetString());
        Assert.Equal("allow", records[0].GetProperty("decision").GetString());
        Assert.Contains(records, r => r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
        Assert.Equal(1, _mcp.Notes.Subscribers);
    }

    [Fact]
    public async Task Subscribe_ResourceARuleBlocks_IsAJsonRpcErrorRecordedAndNeverReachesTheServer()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        var before = Posts(_mcp.Notes);

        var (json, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"resources/subscribe","params":{"uri":"gamut-mcp://notes/note%3A%2F%2Fhr%2Fpay"}}""", client.SessionId!);

        var error = json.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("blocked", error.GetProperty("data").GetProperty("code").GetString());
        var record = Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId));
        Assert.Equal("block", record.GetProperty("decision").GetString());
        Assert.Equal(0, _mcp.Notes.Subscribers);
        Assert.Equal(before, Posts(_mcp.Notes));
    }

    [Fact]
    public async Task Complete_PermittedPrompt_IsDecidedRecordedThenCarriedOut()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");

        var (json, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":8,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"notes__summarize"},"argument":{"name":"topic","value":"r"}}}""", client.SessionId!);

        Assert.Equal("roadmap", Assert.Single(json.GetProperty("result").GetProperty("completion").GetProperty("values").EnumerateArray()).GetString());
        var records = await RecordsAsync(requestId, 2);
        Assert.Equal("notes", records[0].GetProperty("tool").GetString());
        Assert.Equal("allow", records[0].GetProperty("decision").GetString());
        Assert.Contains(records, r => r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
    }

    [Fact]
    public async Task Complete_ArgumentsARuleBlocks_IsAJsonRpcErrorRecordedAndNeverReachesTheServer()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        var before = Posts(_mcp.Notes);

        var (json, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":8,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"notes__summarize"},"argument":{"name":"topic","value":"g"}}}""", client.SessionId!);

        var error = json.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("blocked", error.GetProperty("data").GetProperty("code").GetString());
        var record = Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId));
        Assert.Equal("block", record.GetProperty("decision").GetString());
        Assert.Equal(before, Posts(_mcp.Notes));
    }

    private static int Posts(Infrastructure.McpTestServer server) => server.Requests.Count(r => r.Method == "POST");

    /// <summary>The request's audit records once <paramref name="count"/> are there (the outcome is appended right after the answer).</summary>
    private Task<List<JsonElement>> RecordsAsync(string requestId, int count) =>
        Eventually.ReturnsAsync(() => _mcp.Gateway.AuditRecordsAsync(requestId), found => found.Count >= count, TimeSpan.FromSeconds(10),
            found => $"the request has {found?.Count ?? 0} audit records, not {count}, after 10 s");

    /// <summary>Posts one JSON-RPC request to <c>/mcp</c> on <paramref name="session"/>, signed; its JSON answer (an event stream's first message) and request id.</summary>
    private async Task<(JsonElement Json, string RequestId)> PostAsync(string json, string session)
    {
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? text.Split('\n').First(static line => line.StartsWith("data:", StringComparison.Ordinal))["data:".Length..]
            : text;
        return (JsonDocument.Parse(body).RootElement.Clone(), requestId);
    }
}
