using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>/mcp</c> driven by the official .NET MCP client: one endpoint lists exactly what the agent may use across two
/// MCP servers and the catalog's HTTP tools, and each tools/call is a governed action.
/// </summary>
public sealed class McpEndpointTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ListTools_TwoServersAndHttpTools_ListsOnlyWhatTheAgentMayUse()
    {
        await using var client = await _mcp.ConnectAsync();

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("notes__find", names);
        Assert.Contains("files__read_file", names);
        Assert.Contains("files__write_file", names);
        Assert.Contains("crm_read_contact", names);
        Assert.Contains("payments_refund", names);
        Assert.DoesNotContain("notes__erase", names);
        Assert.DoesNotContain("shell_exec", names);
        Assert.All(names, n => Assert.Matches("^[A-Za-z0-9_-]{1,64}$", n));
    }

    [Fact]
    public async Task ListTools_McpServerTool_IsDescribedAsItsServerServesIt()
    {
        await using var client = await _mcp.ConnectAsync();

        var find = (await client.ListToolsAsync()).Single(t => t.Name == "notes__find");

        Assert.Equal("Finds notes.", find.Description);
        Assert.Equal("string", find.JsonSchema.GetProperty("properties").GetProperty("text").GetProperty("type").GetString());
    }

    [Fact]
    public async Task CallTool_Permitted_ReachesItsServerWithTheVaultCredential()
    {
        await using var client = await _mcp.ConnectAsync();

        var result = await client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "gateway" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("find ran with {\"text\":\"gateway\"}", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal("find", result.StructuredContent?.GetProperty("tool").GetString());
        var call = Assert.Single(_mcp.Notes.Calls);
        Assert.Equal("find", call.Tool);
        Assert.Equal("Bearer " + McpGateway.NotesCredential, call.Authorization);
        Assert.Equal("allow", result.Meta?["gamut.dev/decision"]?.GetValue<string>());
    }

    [Fact]
    public async Task CallTool_ServerReportsProgress_TheStreamCarriesEachStepInOrderThenTheResult()
    {
        var (status, body) = await _mcp.PostRawAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"x"},"_meta":{"progressToken":"p1"}}}""");

        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => JsonDocument.Parse(e[(e.IndexOf("data: ", StringComparison.Ordinal) + 6)..]).RootElement).ToList();
        Assert.Equal(4, events.Count);
        Assert.Equal([1, 2, 3], events.Take(3).Select(e => e.GetProperty("params").GetProperty("progress").GetInt32()));
        Assert.All(events.Take(3), e => Assert.Equal("p1", e.GetProperty("params").GetProperty("progressToken").GetString()));
        Assert.All(events.Take(3), e => Assert.DoesNotContain("ada.lovelace@example.com", e.GetRawText(), StringComparison.Ordinal));
        Assert.Equal(3, events[3].GetProperty("id").GetInt32());
        Assert.Equal("allow", events[3].GetProperty("result").GetProperty("_meta").GetProperty("gamut.dev/decision").GetString());
    }

    [Fact]
    public async Task ListTools_DelegatedChild_ListsAndCallsOnlyWhatItsGrantNames()
    {
        var parent = new AgentClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret);
        var (child, _) = await DelegationCalls.DelegateAsync(parent, _mcp.Gateway.Host.Client,
            """{"name":"notes-reader","permissions":[{"tool":"notes","action_types":["read"]},{"tool":"notes.find","action_types":["read"]}],"data_class_ceiling":"internal"}""");
        await using var client = await _mcp.ConnectAsync(_mcp.SignedHttp(child.Agent, child.Secret));

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var allowed = await client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "child" });
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("files__read_file").AsTask());

        Assert.Equal(["notes__find"], names);
        Assert.NotEqual(true, allowed.IsError);
        Assert.Equal(-31000, (int)refused.ErrorCode);
        Assert.DoesNotContain(_mcp.Files.Calls, c => c.Tool == "read_file");
    }

    [Fact]
    public async Task CallTool_NotPermitted_IsRefusedWithTheDecisionAndNeverReachesItsServer()
    {
        await using var client = await _mcp.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("notes__erase").AsTask());

        Assert.Equal(-31000, (int)refused.ErrorCode);
        Assert.DoesNotContain(_mcp.Notes.Calls, c => c.Tool == "erase");
    }

    [Fact]
    public async Task CallTool_UnknownName_IsRefused()
    {
        await using var client = await _mcp.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("notes__nothing").AsTask());

        Assert.Contains("notes__nothing", refused.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, refused.ErrorCode);
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"notes__nothing","arguments":{}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"nowhere__x"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"gamut-mcp://nowhere/x"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"gamut-context://nowhere"}}""")]
    public async Task Call_UnknownToolPromptOrResource_IsInvalidParamsWithTheStableCode(string message)
    {
        var (status, refusal) = await _mcp.PostAsync(message);

        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var error = refusal.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("unknown_tool", error.GetProperty("data").GetProperty("code").GetString());
    }

    [Fact]
    public async Task CallTool_HttpTool_ReturnsItsAnswerAsAToolResult()
    {
        await using var client = await _mcp.ConnectAsync();

        var result = await client.CallToolAsync("crm_read_contact", new Dictionary<string, object?> { ["id"] = "c-42" });

        Assert.NotEqual(true, result.IsError);
        Assert.NotEmpty(result.Content);
        Assert.Contains(_mcp.Gateway.Upstream.Received, r => r.Target.Contains("/contacts/c-42", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListTools_TheExampleBundlesTools_EachHasADescriptionAndASchemaAModelCanUse()
    {
        await using var client = await _mcp.ConnectAsync();

        // Every tool the example bundle gives the demo agent (the test's own notes and files servers aside).
        var tools = (await client.ListToolsAsync()).Where(t => !t.Name.StartsWith("notes__", StringComparison.Ordinal) && !t.Name.StartsWith("files__", StringComparison.Ordinal)).ToList();

        Assert.Equal(["crm_read_contact", "crm_update_contact", "mail_send", "payments_refund", "tickets_search"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(tools, tool =>
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), tool.Name);
            Assert.DoesNotContain("governed by the gateway", tool.Description, StringComparison.Ordinal);
            var properties = tool.JsonSchema.GetProperty("properties");
            Assert.NotEmpty(properties.EnumerateObject());
            Assert.All(tool.JsonSchema.GetProperty("required").EnumerateArray(), required => Assert.True(properties.TryGetProperty(required.GetString()!, out _), $"{tool.Name}: {required}"));
        });
    }

    [Fact]
    public async Task ListTools_HttpTool_IsDescribedByItsCatalogEntry()
    {
        await using var client = await _mcp.ConnectAsync();

        var read = (await client.ListToolsAsync()).Single(t => t.Name == "crm_read_contact");

        Assert.Equal("Reads one CRM contact by its id.", read.Description);
        Assert.Equal("id", Assert.Single(read.JsonSchema.GetProperty("required").EnumerateArray()).GetString());
    }

    [Theory]
    [InlineData("""{"id":42}""", "$.id: expected string")]
    [InlineData("""{"id":"42"}""", "$.id: does not match the pattern")]
    [InlineData("""{}""", "$.id: required")]
    [InlineData("""{"id":"c-1","and":"more"}""", "$.and: not an argument this tool takes")]
    public async Task CallTool_ArgumentsOutsideTheHttpToolsSchema_AreAToolErrorBeforeAnythingIsDecided(string arguments, string error)
    {
        var (_, refusal) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"crm_read_contact","arguments":""" + arguments + "}}");

        // A tool execution error (the MCP specification's answer to arguments that fail validation), which the model reads.
        var result = refusal.GetProperty("result");
        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.Contains(error, result.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        var data = result.GetProperty("_meta").GetProperty("gamut.dev/refusal");
        Assert.Equal("invalid_arguments", data.GetProperty("code").GetString());
        Assert.Equal(400, data.GetProperty("status").GetInt32());
        Assert.DoesNotContain(_mcp.Gateway.Upstream.Received, r => r.Target.Contains("/contacts/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTool_RequiresApproval_RefusesWithTheApprovalAndSucceedsWithItsWarrant()
    {
        await using var client = await _mcp.ConnectAsync();
        var arguments = new Dictionary<string, object?> { ["order"] = "o-7", ["amount"] = 12 };

        var (_, refusal) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"payments_refund","arguments":{"order":"o-7","amount":12}}}""");
        var approvalId = ApprovalIdOf(refusal);
        var alice = _mcp.Gateway.Admin(await _mcp.Gateway.IssueTokenAsync("alice", "approver"));
        using (var approve = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null))
        {
            approve.EnsureSuccessStatusCode();
        }

        var warrant = (await ApprovalCalls.PollAsync(_mcp.Gateway.Agent, approvalId)).GetProperty("warrant").GetString()!;
        var result = await client.CallToolAsync(new CallToolRequestParams
        {
            Name = "payments_refund",
            Arguments = JsonSerializer.SerializeToElement(arguments).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            Meta = new System.Text.Json.Nodes.JsonObject { ["gamut.dev/warrant"] = warrant },
        });

        Assert.NotEqual(true, result.IsError);
        Assert.Contains(_mcp.Gateway.Upstream.Received, r => r.Target.Contains("/refunds", StringComparison.Ordinal));
    }

    private static string ApprovalIdOf(JsonElement refusal)
    {
        Assert.Equal(7, refusal.GetProperty("id").GetInt32());
        var error = refusal.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        var data = error.GetProperty("data");
        Assert.Equal("approval_required", data.GetProperty("code").GetString());
        Assert.Equal("require_approval", data.GetProperty("decision").GetString());
        return data.GetProperty("approval").GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Post_AnotherAgentsSessionId_Is404AndRecordedUnderMcp()
    {
        await using var client = await _mcp.ConnectAsync("2025-11-25");
        using var rogue = _mcp.SignedHttp("rogue-agent", _mcp.Gateway.RogueSecret);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", client.SessionId);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");

        using var response = await rogue.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        var record = Assert.Single(await _mcp.Gateway.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("mcp", record.GetProperty("tool").GetString());
        Assert.Equal("rogue-agent", record.GetProperty("agent").GetString());
        Assert.Equal("refused:not_found", record.GetProperty("decision").GetString());
    }
}
