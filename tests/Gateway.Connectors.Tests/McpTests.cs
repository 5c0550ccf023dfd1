using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Executors;
using Gateway.Connectors.Mcp;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Tests;

public sealed class McpTests : IAsyncLifetime
{
    private readonly TestVault _vault = new();
    private readonly HttpClient _client = new();
    private readonly HashSet<string> _sessions = [];
    private KestrelUpstream _server = null!;
    private int _initializations;

    public async Task InitializeAsync()
    {
        await _vault.Vault.PutAsync("acme", "mcp", "mcp-server-key");
        // A server that requires a session and answers tools/call as JSON or SSE (chosen by the path).
        _server = await KestrelUpstream.StartAsync(app => app.MapPost("/mcp/{mode}", async (string mode, HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            var message = document.RootElement;
            var method = message.GetProperty("method").GetString();
            if (context.Request.Headers.Authorization != "Bearer mcp-server-key")
            {
                return Results.StatusCode(401);
            }

            if (method == "initialize")
            {
                Interlocked.Increment(ref _initializations);
                var id = Guid.NewGuid().ToString("N");
                lock (_sessions)
                {
                    _sessions.Add(id);
                }

                context.Response.Headers["Mcp-Session-Id"] = id;
                return Results.Json(new { jsonrpc = "2.0", id = message.GetProperty("id").GetInt64(), result = new { protocolVersion = "2025-06-18", capabilities = new { } } });
            }

            var session = context.Request.Headers["Mcp-Session-Id"].ToString();
            bool known;
            lock (_sessions)
            {
                known = _sessions.Contains(session);
            }

            if (session.Length == 0)
            {
                return Results.BadRequest();
            }

            if (!known)
            {
                return Results.NotFound();
            }

            if (method == "notifications/initialized")
            {
                return Results.StatusCode(202);
            }

            var parameters = message.GetProperty("params");
            var text = parameters.GetProperty("name").GetString() + ":" + parameters.GetProperty("arguments").GetRawText() + " mail ann@example.com";
            var reply = JsonSerializer.Serialize(new { jsonrpc = "2.0", id = message.GetProperty("id").GetInt64(), result = new { content = new[] { new { type = "text", text } } } });
            if (mode == "sse")
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n");
                await context.Response.WriteAsync("event: message\ndata: " + reply + "\n\n");
                return Results.Empty;
            }

            return Results.Text(reply, "application/json");
        }));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private sealed class Catalog(params ConnectorDefinition[] connectors) : IConnectorCatalog
    {
        public ConnectorDefinition? Find(string name) => connectors.FirstOrDefault(c => c.Name == name);
    }

    private (McpToolExecutor Executor, ConnectorDefinition Tool) Setup(string mode)
    {
        var server = new ConnectorDefinition { Name = "tickets-mcp", Kind = ConnectorKind.Mcp, Upstream = _server.At("mcp/" + mode), CredentialReference = "vault:mcp" };
        var tool = new ConnectorDefinition { Name = "create_ticket", Kind = ConnectorKind.McpTool, McpTool = new McpToolBinding("tickets-mcp", "create") };
        return (new McpToolExecutor(_client, _vault.Resolver, new Catalog(server, tool)), tool);
    }

    private static ConnectorCall Call(DegradeMode degrade = DegradeMode.None, bool isRead = false) => new()
    {
        Args = JsonDocument.Parse("""{"title":"t1"}""").RootElement.Clone(),
        Tenant = "acme",
        Agent = "agent-1",
        RequestId = "r1",
        DegradeMode = degrade,
        IsReadAction = isRead,
    };

    [Theory]
    [InlineData("json")]
    [InlineData("sse")]
    public async Task McpTool_InitializesSessionAndReadsReply(string mode)
    {
        var (executor, tool) = Setup(mode);

        var first = await executor.ExecuteAsync(tool, Call());
        var second = await executor.ExecuteAsync(tool, Call());

        Assert.Equal(200, first.StatusCode);
        Assert.Equal("""create:{"title":"t1"} mail ann@example.com""", first.Json!.Value.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(200, second.StatusCode);
        Assert.Equal(1, _initializations);
    }

    [Fact]
    public async Task McpTool_ExpiredSession_ReinitializedOnce()
    {
        var (executor, tool) = Setup("json");
        await executor.ExecuteAsync(tool, Call());
        lock (_sessions)
        {
            _sessions.Clear();
        }

        var result = await executor.ExecuteAsync(tool, Call());

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(2, _initializations);
    }

    [Fact]
    public async Task McpTool_ReadOnlyAndRedact()
    {
        var (executor, tool) = Setup("sse");

        await Assert.ThrowsAsync<DegradeRefusedException>(async () => await executor.ExecuteAsync(tool, Call(DegradeMode.ReadOnly)));
        var redacted = await executor.ExecuteAsync(tool, Call(DegradeMode.Redact));
        var readOnly = await executor.ExecuteAsync(tool, Call(DegradeMode.ReadOnly, isRead: true));

        Assert.EndsWith("mail [REDACTED:email]", redacted.Json!.Value.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, redacted.Redactions.Total);
        Assert.Equal(200, readOnly.StatusCode);
    }

    [Fact]
    public void Parser_SingleAndBatch()
    {
        Assert.True(McpRequestParser.TryParse("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{}}}"""u8, out var single, out _));
        Assert.False(single.IsBatch);
        Assert.Equal(new JsonRpcMessageInfo("tools/call", "3", "search"), single.Messages[0]);

        Assert.True(McpRequestParser.TryParse("""[{"jsonrpc":"2.0","id":"a","method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"delete"}}]"""u8, out var batch, out _));
        Assert.True(batch.IsBatch);
        Assert.Equal(["delete"], batch.ToolNames);
        Assert.True(batch.Messages[1].IsNotification);
        Assert.Equal("\"a\"", batch.Messages[0].Id);

        Assert.False(McpRequestParser.TryParse("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"""u8, out _, out var error));
        Assert.Contains("params.name", error, StringComparison.Ordinal);
        Assert.False(McpRequestParser.TryParse("[]"u8, out _, out _));
        Assert.False(McpRequestParser.TryParse("not json"u8, out _, out _));
    }

    [Fact]
    public void ReadOnlyGuard_McpToolCallsNeedReadTools()
    {
        McpRequestParser.TryParse("""[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search"}}]"""u8, out var reads, out _);
        McpRequestParser.TryParse("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete"}}"""u8, out var write, out _);
        static bool IsRead(string tool) => tool == "search";

        Assert.True(ReadOnlyGuard.IsMcpRequestAllowed(reads!, IsRead));
        Assert.False(ReadOnlyGuard.IsMcpRequestAllowed(write!, IsRead));
        Assert.True(ReadOnlyGuard.IsWriteVerb("PATCH"));
        Assert.False(ReadOnlyGuard.IsWriteVerb("get"));
    }

    private const string ToolsList = """{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"search","inputSchema":{}},{"name":"delete","inputSchema":{}},{"name":"read_file"}]}}""";

    [Fact]
    public void ToolsListFilter_Json_KeepsAllowedTools()
    {
        var filter = new ToolsListFilter(name => name != "delete");

        using var document = JsonDocument.Parse(filter.FilterJson(Encoding.UTF8.GetBytes(ToolsList)));

        Assert.Equal(["search", "read_file"], document.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(1, filter.Removed);
        var other = """{"jsonrpc":"2.0","id":2,"result":{"content":[]}}"""u8.ToArray();
        Assert.Equal(other, filter.FilterJson(other));
    }

    [Fact]
    public void ToolsListFilter_Sse_EverySplitPoint()
    {
        var sse = Encoding.UTF8.GetBytes("event: message\nid: 9\ndata: " + ToolsList + "\n\n");
        for (var split = 0; split <= sse.Length; split++)
        {
            var filter = new ToolsListFilter(name => name == "search");
            var output = new ArrayBufferWriter<byte>();
            filter.Write(sse.AsSpan(0, split), output);
            filter.Write(sse.AsSpan(split), output);
            filter.Complete(output);
            var text = Encoding.UTF8.GetString(output.WrittenSpan);

            Assert.StartsWith("event: message\nid: 9\ndata: ", text, StringComparison.Ordinal);
            Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
            using var document = JsonDocument.Parse(text.Split('\n')[2][6..]);
            Assert.Equal(["search"], document.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        }
    }

    [Theory]
    [InlineData("<html>search, delete</html>")]
    [InlineData("")]
    [InlineData("\"tools\"")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"tools":{"delete":{"name":"delete"}}}}""")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"result":{"tools":[]}},"delete"]""")]
    public void ToolsListFilter_Json_WhatItCannotRead_Throws(string body)
    {
        var filter = new ToolsListFilter(name => name == "search");

        Assert.Throws<InvalidDataException>(() => filter.FilterJson(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void ToolsListFilter_Sse_PrimingEventWithEmptyData_PassesAndUnreadableDataThrows()
    {
        var filter = new ToolsListFilter(name => name == "search");
        var output = new ArrayBufferWriter<byte>();

        filter.Write("id: 1\ndata:\n\n"u8, output);

        Assert.Equal("id: 1\ndata: \n\n", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Throws<InvalidDataException>(() => filter.Write("data: delete\n\n"u8, output));
    }
}
