using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Results;
using Gateway.Policy;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace Gateway.Connectors.Tests;

public sealed partial class McpTests : IAsyncLifetime
{
    private readonly HashSet<string> _sessions = [];
    private readonly List<string> _callSessions = [];
    private readonly List<(string Session, string Json)> _answers = [];
    private readonly McpServerToolLists _client = new(
        new CredentialResolver(null, environment: name => name == "TICKETS_MCP_KEY" ? "mcp-server-key" : null), TimeProvider.System, NullLoggerFactory.Instance);
    private HttpMessageInvoker _invoker = null!;
    private KestrelUpstream _server = null!;
    private int _initializations;
    private int _notifications;

    public async Task InitializeAsync()
    {
        // A server that requires a session and answers tools/call as JSON or SSE (chosen by the path).
        _server = await KestrelUpstream.StartAsync(app => app.MapPost("/mcp/{mode}", async (string mode, HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            var message = document.RootElement;
            if (context.Request.Headers.Authorization != "Bearer mcp-server-key")
            {
                return HttpResults.StatusCode(401);
            }

            if (!message.TryGetProperty("method", out var methodElement))
            {
                // A client's answer to a request of the server's.
                lock (_answers)
                {
                    _answers.Add((context.Request.Headers["Mcp-Session-Id"].ToString(), message.GetRawText()));
                }

                return HttpResults.StatusCode(202);
            }

            var method = methodElement.GetString();

            if (method == "initialize")
            {
                Interlocked.Increment(ref _initializations);
                var id = Guid.NewGuid().ToString("N");
                lock (_sessions)
                {
                    _sessions.Add(id);
                }

                context.Response.Headers["Mcp-Session-Id"] = id;
                return HttpResults.Json(new
                {
                    jsonrpc = "2.0",
                    id = message.GetProperty("id").Clone(),
                    result = new { protocolVersion = "2025-06-18", capabilities = new { tools = new { } }, serverInfo = new { name = "tickets", version = "1" } },
                });
            }

            var session = context.Request.Headers["Mcp-Session-Id"].ToString();
            bool known;
            lock (_sessions)
            {
                known = _sessions.Contains(session);
                if (method == "tools/call")
                {
                    _callSessions.Add(session);
                }
            }

            if (session.Length == 0)
            {
                return HttpResults.BadRequest();
            }

            if (!known)
            {
                return HttpResults.NotFound();
            }

            if (method == "notifications/initialized")
            {
                Interlocked.Increment(ref _notifications);
                return HttpResults.StatusCode(202);
            }

            var parameters = message.GetProperty("params");
            var text = parameters.GetProperty("name").GetString() + ":" + parameters.GetProperty("arguments").GetRawText() + " mail ann@example.com";
            var reply = JsonSerializer.Serialize(new { jsonrpc = "2.0", id = message.GetProperty("id").Clone(), result = new { content = new[] { new { type = "text", text } } } });
            if (mode == "sse")
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n");
                await context.Response.WriteAsync("event: message\ndata: " + reply + "\n\n");
                return HttpResults.Empty;
            }

            return HttpResults.Text(reply, "application/json");
        }));
        _invoker = new(new McpSessionHandler(_client) { InnerHandler = new SocketsHttpHandler() });
    }

    public async Task DisposeAsync()
    {
        _invoker.Dispose();
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>The MCP server the tool belongs to, with its credential (the gateway's MCP client opens the session with it).</summary>
    private CatalogEntry TicketsMcp() => new()
    {
        Name = "tickets-mcp",
        Kind = ConnectorKind.Mcp,
        ActionType = ActionType.Write,
        Upstream = _server.At("mcp/json"),
        Credential = SecretReference.TryParse("env:TICKETS_MCP_KEY", null, out var reference) ? reference : null,
        Auth = ConnectorAuth.Bearer,
    };

    private static readonly CatalogEntry CreateTicket = new()
    {
        Name = "create_ticket",
        Kind = ConnectorKind.McpTool,
        ActionType = ActionType.Write,
        Connector = "tickets-mcp",
        McpTool = "create",
    };

    /// <summary>Sends a governed tools/call the way the proxy does (envelope, credential, session marker) and reads the reply.</summary>
    private async Task<(int Status, ConnectorResult Result, RedactionCounts Counts)> CallAsync(string mode, string tenant = "acme", bool marked = true)
    {
        var envelope = UpstreamEnvelopes.Build(CreateTicket, JsonDocument.Parse("""{"title":"t1"}""").RootElement, null);
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.At("mcp/" + mode)) { Content = new ByteArrayContent(envelope.Body!) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var header in envelope.Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        request.Headers.TryAddWithoutValidation("Authorization", "Bearer mcp-server-key");
        if (marked)
        {
            request.Options.Set(McpSession.OptionKey, new McpSession(tenant, TicketsMcp(), envelope.Body!));
        }

        using var response = await _invoker.SendAsync(request, CancellationToken.None);
        var body = await response.Content.ReadAsByteArrayAsync();
        var counts = new RedactionCounts();
        var status = (int)response.StatusCode;
        return (status, ConnectorResultReader.Read(ConnectorKind.McpTool, status, response.Content.Headers.ContentType?.ToString(), body, envelope.JsonRpcId, truncated: false, counts), counts);
    }

    private static string ReplyText(ConnectorResult result)
    {
        using var document = JsonDocument.Parse(result.Json);
        return document.RootElement.GetProperty("content")[0].GetProperty("text").GetString()!;
    }

    [Theory]
    [InlineData("json")]
    [InlineData("sse")]
    public async Task SessionHandler_InitializesOnceAndReusesSession(string mode)
    {
        var first = await CallAsync(mode);
        var second = await CallAsync(mode);

        Assert.Equal(200, first.Status);
        Assert.Equal(200, first.Result.StatusCode);
        Assert.Equal("""create:{"title":"t1"} mail [REDACTED:email]""", ReplyText(first.Result));
        Assert.Equal(1, first.Counts.Total);
        Assert.Equal(200, second.Result.StatusCode);
        Assert.Equal(1, _initializations);
        Assert.Equal(1, _notifications);
        Assert.Equal(2, _callSessions.Count);
        Assert.Equal(_callSessions[0], _callSessions[1]);
        Assert.NotEmpty(_callSessions[0]);
    }

    [Fact]
    public async Task SessionHandler_SessionPerTenant()
    {
        await CallAsync("json", tenant: "acme");
        await CallAsync("json", tenant: "globex");
        await CallAsync("json", tenant: "acme");

        Assert.Equal(2, _initializations);
        Assert.NotEqual(_callSessions[0], _callSessions[1]);
        Assert.Equal(_callSessions[0], _callSessions[2]);
    }

    [Fact]
    public async Task SessionHandler_SessionPerDestination()
    {
        // Two destinations of one server (its replicas need not share sessions): each has its own session.
        await CallAsync("json");
        await CallAsync("sse");
        await CallAsync("json");

        Assert.Equal(2, _initializations);
        Assert.NotEqual(_callSessions[0], _callSessions[1]);
        Assert.Equal(_callSessions[0], _callSessions[2]);
    }

    [Fact]
    public async Task SessionHandler_ExpiredSession_ReinitializedOnceAndCallResent()
    {
        await CallAsync("json");
        lock (_sessions)
        {
            _sessions.Clear();
        }

        var result = await CallAsync("json");

        Assert.Equal(200, result.Status);
        Assert.Equal("""create:{"title":"t1"} mail [REDACTED:email]""", ReplyText(result.Result));
        Assert.Equal(2, _initializations);
        Assert.Equal(3, _callSessions.Count);
        Assert.Equal(_callSessions[0], _callSessions[1]);
        Assert.NotEqual(_callSessions[1], _callSessions[2]);
    }

    [Fact]
    public async Task SessionHandler_RequestWithoutMarker_PassesUntouched()
    {
        var result = await CallAsync("json", marked: false);

        Assert.Equal((int)HttpStatusCode.BadRequest, result.Status);
        Assert.Equal(0, _initializations);
        Assert.Equal([string.Empty], _callSessions);
    }

    [Fact]
    public async Task AnswerAsync_OnTheCallsSession_ReachesTheServerThereUnderTheServersId()
    {
        await CallAsync("json");
        const string Answer = """{"jsonrpc":"2.0","id":7,"result":{"action":"accept","content":{"ok":true}}}""";

        var status = await _client.AnswerAsync("acme", TicketsMcp(), _server.At("mcp/json"), _callSessions[0], Encoding.UTF8.GetBytes(Answer), CancellationToken.None);

        Assert.Equal(202, status);
        var (session, json) = Assert.Single(_answers);
        Assert.Equal(_callSessions[0], session);
        using var sent = JsonDocument.Parse(json);
        Assert.Equal(7, sent.RootElement.GetProperty("id").GetInt32());
        Assert.True(sent.RootElement.GetProperty("result").GetProperty("content").GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task AnswerAsync_SessionNoLongerTheGateways_IsNotSent()
    {
        await CallAsync("json");

        var stale = await _client.AnswerAsync("acme", TicketsMcp(), _server.At("mcp/json"), "a-session-since-replaced", """{"jsonrpc":"2.0","id":7,"result":{}}"""u8.ToArray(), CancellationToken.None);
        var otherTenant = await _client.AnswerAsync("globex", TicketsMcp(), _server.At("mcp/json"), _callSessions[0], """{"jsonrpc":"2.0","id":7,"result":{}}"""u8.ToArray(), CancellationToken.None);

        Assert.Equal(404, stale);
        Assert.Equal(404, otherTenant);
        Assert.Empty(_answers);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}""")]
    [InlineData("not json")]
    public async Task AnswerAsync_NotAJsonRpcResponse_IsRefusedAndNotSent(string answer)
    {
        await CallAsync("json");

        var status = await _client.AnswerAsync("acme", TicketsMcp(), _server.At("mcp/json"), _callSessions[0], Encoding.UTF8.GetBytes(answer), CancellationToken.None);

        Assert.Equal(400, status);
        Assert.Empty(_answers);
    }
}
