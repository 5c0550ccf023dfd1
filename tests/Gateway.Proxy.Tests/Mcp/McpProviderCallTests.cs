using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A <c>tools/call</c> on an MCP server's per-server route <c>/providers/&lt;server&gt;</c> is decided as the catalog's
/// <c>mcp_tool</c> entry serving that tool, with the call's arguments, whatever the body's declared content type: a tool no
/// entry serves is unknown (never decided as an entry whose name reads like it), and arguments sent as <c>text/plain</c>
/// meet the argument rules as they would as <c>application/json</c>. A <c>resources/read</c> or <c>prompts/get</c> there is
/// decided with the arguments <c>/mcp</c> decides it with, and none of the three is decided inside a batch.
/// </summary>
public sealed class McpProviderCallTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    // The files server's per-server route, a rule on files.write's argument (the server's write_file), and rules on the
    // arguments /mcp decides a resource read ($.uri) and a prompt ($.prompt, $.arguments) of the files server with.
    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(text => text
        .Replace("      - { tool: files.write }\n", "      - { tool: files.write }\n      - { tool: files }\n", StringComparison.Ordinal)
        .Replace("rules:\n", "rules:\n  - id: no-secret-files\n    match:\n      tools: [files.write]\n      args: [{ path: $.text, glob: \"*secret*\" }]\n    effect: block\n    reason: secret_file\n"
            + "  - id: no-hr-notes\n    match:\n      tools: [files]\n      args: [{ path: $.uri, glob: \"note://hr/*\" }]\n    effect: block\n    reason: hr_note\n"
            + "  - id: drafts-read-only\n    match:\n      tools: [files.write]\n      args: [{ path: $.text, glob: \"*draft*\" }]\n    effect: degrade\n    degrade: read_only\n    reason: drafts_read_only\n"
            + "  - id: no-salary-summaries\n    match:\n      tools: [files]\n      args: [{ path: $.prompt, glob: \"summarize\" }, { path: $.arguments.topic, glob: \"*salary*\" }]\n    effect: block\n    reason: salary_prompt\n",
            StringComparison.Ordinal));

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ProvidersCall_ToolNoEntryServesNamedLikeAnEntry_IsRefusedUnknownAndNeverReachesTheServer()
    {
        // "write" is no tool of the files server in the catalog; "files.write" is an entry (serving write_file).
        var (_, body, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"write","arguments":{"text":"x"}}}""");

        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("unknown_tool", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(_mcp.Files.Calls);
        Assert.Contains("unknown_tool", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("text/plain, application/json")]
    public async Task ProvidersCall_ArgumentsARuleBlocks_IsBlockedWhateverTheDeclaredContentType(string contentType)
    {
        var (_, body, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"write_file","arguments":{"text":"top secret"}}}""", contentType);

        Assert.Equal("blocked", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Contains(await _mcp.Gateway.AuditRecordsAsync(requestId), r => r.GetProperty("decision").GetString() == "block");
        Assert.Empty(_mcp.Files.Calls);
    }

    [Fact]
    public async Task ProvidersCall_WriteToolDegradedToReadOnly_IsRefusedAndNeverReachesTheServer()
    {
        var (_, body, requestId) = await PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"write_file","arguments":{"text":"draft one"}}}""");
        var (_, mcpAnswer) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"files__write_file","arguments":{"text":"draft one"}}}""");

        Assert.Equal("degrade_refused", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("degrade_refused", mcpAnswer.ToString(), StringComparison.Ordinal);
        Assert.Contains(await _mcp.Gateway.AuditRecordsAsync(requestId), r => r.GetProperty("decision").GetString() == "degrade");
        Assert.Empty(_mcp.Files.Calls);
    }

    [Fact]
    public async Task ProvidersReadResource_RuleOnUriBlocksIt_IsRefusedAsOnMcp()
    {
        await AssertBlockedOnBothRoutesAsync(
            """{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"note://hr/pay"}}""",
            """{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"gamut-mcp://files/note%3A%2F%2Fhr%2Fpay"}}""");

        Assert.Empty(_mcp.Files.Reads);
    }

    [Fact]
    public async Task ProvidersGetPrompt_RuleOnPromptArgumentsBlocksIt_IsRefusedAsOnMcp()
    {
        await AssertBlockedOnBothRoutesAsync(
            """{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"summarize","arguments":{"topic":"salary bands"}}}""",
            """{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"files__summarize","arguments":{"topic":"salary bands"}}}""");

        Assert.Empty(_mcp.Files.Prompts);
    }

    [Fact]
    public async Task ProvidersReadResource_UriNoRuleMatches_ReachesTheServer()
    {
        await using var client = await _mcp.ConnectProviderAsync("files");

        var read = await client.ReadResourceAsync("note://q3-plan");

        Assert.Contains("The Q3 plan", JsonSerializer.Serialize(read), StringComparison.Ordinal);
        Assert.Equal("note://q3-plan", Assert.Single(_mcp.Files.Reads));
    }

    [Theory]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"note://hr/pay"}}]""")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file","arguments":{"text":"top secret"}}}]""")]
    public async Task ProvidersCall_GovernedMessageInABatchOfOne_IsRefusedAndNeverReachesTheServer(string json)
    {
        var (status, body, _) = await PostAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("on its own", body, StringComparison.Ordinal);
        Assert.Empty(_mcp.Files.Reads);
        Assert.Empty(_mcp.Files.Calls);
    }

    [Fact]
    public async Task ProvidersCall_BatchPastItsBound_IsRefusedAsMalformed()
    {
        var pings = "[" + string.Join(',', Enumerable.Range(1, 33).Select(i => $$"""{"jsonrpc":"2.0","id":{{i}},"method":"ping"}""")) + "]";

        var (status, body, _) = await PostAsync(pings);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("a JSON-RPC batch of more than 32 messages", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mcp-Method", "tools/call")]
    [InlineData("Mcp-Name", "delete_repo")]
    [InlineData("MCP-Protocol-Version", "2026-07-28")]
    public async Task ProvidersCall_BatchWithAMirroredHeaderOrAtTheRevisionThatNeedsThem_IsRefusedAsAHeaderMismatch(string header, string value)
    {
        var (status, body, _) = await PostAsync("""[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]""", headers: [new(header, value)]);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("mcp_header_mismatch", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersCall_PostWithoutABody_IsRefusedAsMalformed()
    {
        var (status, body, _) = await PostAsync(string.Empty);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("malformed_body", body, StringComparison.Ordinal);
        Assert.Empty(_mcp.Files.Calls);
    }

    /// <summary>Sends the same read on /providers/files and on /mcp: both are blocked, and the per-server one is recorded so.</summary>
    private async Task AssertBlockedOnBothRoutesAsync(string onProvider, string onMcp)
    {
        var (_, body, requestId) = await PostAsync(onProvider);
        var (_, mcpAnswer) = await _mcp.PostAsync(onMcp);

        Assert.Equal("blocked", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal("blocked", mcpAnswer.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Contains(await _mcp.Gateway.AuditRecordsAsync(requestId), r => r.GetProperty("decision").GetString() == "block");
    }

    private async Task<(HttpStatusCode Status, string Body, string RequestId)> PostAsync(string json, string contentType = "application/json", KeyValuePair<string, string>[]? headers = null)
    {
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/providers/files") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : string.Empty;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), requestId);
    }
}
