using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A real MCP server (the official .NET SDK) whose tools ask the client mid-call, for its model's answer (sampling) or the
/// person's choice (elicitation), behind <c>/mcp</c>: the request reaches the agent's client on the call's stream,
/// redacted and under an id of the gateway's own; the client's answer reaches the server on the session that asked, once,
/// and only from the agent whose call it was. A request for the client's roots never reaches it.
/// </summary>
public sealed class McpServerRequestsTests : IAsyncLifetime
{
    private McpTestServer _asking = null!;
    private McpGateway _mcp = null!;

    public async Task InitializeAsync()
    {
        _asking = await McpTestServer.StartAsync((McpTestServer.AskModelTool, "Asks the client's model."), (McpTestServer.AskPersonTool, "Asks the person."),
            (McpTestServer.AskRootsTool, "Asks the client's roots."));
        _mcp = await McpGateway.StartAsync(text => text
            .Replace("catalog:\n", $$"""
                catalog:
                  - { name: asking, kind: mcp, action_type: read, target_system: asking, upstream: "{{_asking.Url}}", credential: none }
                  - { name: asking.model, kind: mcp_tool, action_type: read, target_system: asking, connector: asking, mcp_tool: {{McpTestServer.AskModelTool}} }
                  - { name: asking.person, kind: mcp_tool, action_type: read, target_system: asking, connector: asking, mcp_tool: {{McpTestServer.AskPersonTool}} }
                  - { name: asking.roots, kind: mcp_tool, action_type: read, target_system: asking, connector: asking, mcp_tool: {{McpTestServer.AskRootsTool}} }

                """.Replace("\r", string.Empty), StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: asking.model }\n      - { tool: asking.person }\n      - { tool: asking.roots }\n", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _mcp.DisposeAsync();
        await _asking.DisposeAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-06-18")]
    public async Task CallTool_ServerAsksTheClientsModel_TheClientAnswersAndTheCallCompletes(string? protocolVersion)
    {
        var asked = new List<string>();
        await using var client = await _mcp.ConnectAsync(protocolVersion, new McpClientHandlers
        {
#pragma warning disable MCP9005 // the sampling handler: deprecated from 2026-07-28 on, still what a 2025-06-18 server asks for
            SamplingHandler = (request, _, _) =>
            {
                asked.Add(JsonSerializer.Serialize(request));
                return ValueTask.FromResult(new CreateMessageResult { Model = "stand-in", Role = Role.Assistant, Content = [new TextContentBlock { Text = "three notes" }] });
            },
#pragma warning restore MCP9005
        });

        var result = await client.CallToolAsync("asking__ask_model");

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("the model said: three notes", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        var request = Assert.Single(asked);
        Assert.Contains("Summarize the notes of", request, StringComparison.Ordinal);
        Assert.DoesNotContain("ada.lovelace@example.com", request, StringComparison.Ordinal);
        Assert.Equal("allow", result.Meta?["gamut.dev/decision"]?.GetValue<string>());
    }

    [Fact]
    public async Task CallTool_ServerAsksThePerson_TheElicitationIsRelayedAndAnswered()
    {
        await using var client = await _mcp.ConnectAsync(handlers: new McpClientHandlers
        {
            ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, JsonElement> { ["folder"] = JsonSerializer.SerializeToElement(request!.Message == "Which folder?" ? "reports" : "wrong question") },
            }),
        });

        var result = await client.CallToolAsync("asking__ask_person");

        Assert.Equal("the person chose accept: reports", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task CallTool_ServerSendsRootsListMidCall_IsNotRelayedToTheClient()
    {
        var asked = 0;
        await using var client = await _mcp.ConnectAsync(handlers: new McpClientHandlers
        {
#pragma warning disable MCP9005 // the roots handler: deprecated from 2026-07-28 on, still what a 2025-06-18 server asks for
            RootsHandler = (_, _) =>
            {
                Interlocked.Increment(ref asked);
                return ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///home/agent/private", Name = "private" }] });
            },
#pragma warning restore MCP9005
        });

        var result = await client.CallToolAsync("asking__" + McpTestServer.AskRootsTool);

        Assert.Equal("roots/list refused: -32601", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(0, asked);
    }

    [Fact]
    public async Task Answer_SentTwice_ReachesTheServerOnceAndTheSecondIsRefused()
    {
        using var http = _mcp.SignedHttp();
        using var call = await StartCallAsync(http, McpTestServer.AskPersonTool);
        var (events, relayed) = await ReadUntilRequestAsync(call);

        Assert.Equal("elicitation/create", relayed.GetProperty("method").GetString());
        var id = relayed.GetProperty("id").GetString()!;
        Assert.StartsWith("gamut-ask-", id, StringComparison.Ordinal);
        var answer = Answer(id, "inbox");
        Assert.Equal(HttpStatusCode.Accepted, (await _mcp.PostRawAsync(answer)).Status);
        var (again, problem) = await _mcp.PostRawAsync(answer);

        Assert.Equal(HttpStatusCode.NotFound, again);
        Assert.Equal("mcp_answer_unknown", JsonDocument.Parse(problem).RootElement.GetProperty("code").GetString());
        var rest = await events.ReadToEndAsync();
        Assert.Contains("the person chose accept: inbox", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_FromAnotherAgent_IsRefusedAndTheOwnerCanStillAnswer()
    {
        using var http = _mcp.SignedHttp();
        using var call = await StartCallAsync(http, McpTestServer.AskPersonTool);
        var (events, relayed) = await ReadUntilRequestAsync(call);
        var id = relayed.GetProperty("id").GetString()!;
        var answer = Answer(id, "stolen");

        using var rogue = _mcp.SignedHttp("rogue-agent", _mcp.Gateway.RogueSecret);
        using var stolen = await rogue.PostAsync("/mcp", new StringContent(answer, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _mcp.PostRawAsync(answer.Replace("stolen", "mine", StringComparison.Ordinal))).Status);
        Assert.Contains("the person chose accept: mine", await events.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_CarryingSecretMaterial_IsRefusedRecordedAndNeverReachesTheServer()
    {
        using var http = _mcp.SignedHttp();
        using var call = await StartCallAsync(http, McpTestServer.AskPersonTool);
        var (events, relayed) = await ReadUntilRequestAsync(call);
        var id = relayed.GetProperty("id").GetString()!;

        // Signed without the agent SDK, which refuses to send secret material itself.
        using var answer = _mcp.Gateway.Agent.Create(HttpMethod.Post, "/mcp", Answer(id, "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"));
        answer.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var refused = await _mcp.Gateway.Host.Client.SendAsync(answer);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("secret_material_in_payload", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        var requestId = Assert.Single(refused.Headers.GetValues("X-Request-Id"));
        Assert.Contains("secret_material_in_payload", Assert.Single(await _mcp.Gateway.AuditRecordsAsync(requestId)).ToString(), StringComparison.Ordinal);

        // The request still awaits an answer: the server never took the refused one.
        Assert.Equal(HttpStatusCode.Accepted, (await _mcp.PostRawAsync(Answer(id, "inbox"))).Status);
        var rest = await events.ReadToEndAsync();
        Assert.Contains("the person chose accept: inbox", rest, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-proj-", rest, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("thisServer")]
    [InlineData("allServers")]
    public async Task CallTool_ServerAsksForContextOfServers_TheRelayedRequestAsksForNone(string asked)
    {
#pragma warning disable MCP9005 // the sampling request's context: deprecated from 2026-07-28 on, still what a 2025-06-18 server may ask
        _asking.SamplingIncludeContext = asked == "thisServer" ? ContextInclusion.ThisServer : ContextInclusion.AllServers;
#pragma warning restore MCP9005
        var relayed = new List<string>();
        await using var client = await _mcp.ConnectAsync(handlers: new McpClientHandlers
        {
#pragma warning disable MCP9005 // the sampling handler: deprecated from 2026-07-28 on, still what a 2025-06-18 server asks for
            SamplingHandler = (request, _, _) =>
            {
                relayed.Add(JsonSerializer.Serialize(request));
                return ValueTask.FromResult(new CreateMessageResult { Model = "stand-in", Role = Role.Assistant, Content = [new TextContentBlock { Text = "three notes" }] });
            },
#pragma warning restore MCP9005
        });

        var result = await client.CallToolAsync("asking__" + McpTestServer.AskModelTool);

        Assert.Equal("the model said: three notes", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal("none", JsonDocument.Parse(Assert.Single(relayed)).RootElement.GetProperty("includeContext").GetString());
    }

    [Fact]
    public async Task Answer_ToNoRequest_IsRefusedInHttp()
    {
        var (status, body) = await _mcp.PostRawAsync("""{"jsonrpc":"2.0","id":"gamut-ask-00000000000000000000000000000000","result":{}}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("mcp_answer_unknown", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.Empty(_asking.Calls);
    }

    [Fact]
    public async Task CallTool_ServerRequestWithTrailingDataAfterAProgressEvent_EndsTheStreamAndRecordsTheOutcome()
    {
        await using var hostile = await KestrelUpstream.StartAsync(app => app.MapPost("/mcp", TrailingDataServerAsync));
        await using var mcp = await McpGateway.StartAsync(text => text
            .Replace("catalog:\n", $$"""
                catalog:
                  - { name: trailing, kind: mcp, action_type: read, target_system: trailing, upstream: "{{hostile.Origin}}/mcp", credential: none }
                  - { name: trailing.ask, kind: mcp_tool, action_type: read, target_system: trailing, connector: trailing, mcp_tool: ask }

                """.Replace("\r", string.Empty), StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: trailing.ask }\n", StringComparison.Ordinal));
        using var http = mcp.SignedHttp();
        using var call = await StartCallOfAsync(http, "trailing__ask");

        var events = SseEvents.Parse(await call.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal("notifications/progress", events[0].Json.GetProperty("method").GetString());
        Assert.DoesNotContain(events, e => e.Json.TryGetProperty("method", out var method) && method.GetString() == "elicitation/create");
        Assert.Equal(7, events[^1].Json.GetProperty("id").GetInt32());
        var records = await mcp.Gateway.AuditRecordsAsync(Assert.Single(call.Headers.GetValues("X-Request-Id")));
        Assert.Equal(2, records.Count);
        Assert.True(records[1].GetProperty("invoked").GetBoolean(), records[1].ToString());
    }

    private static string Answer(string id, string folder) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id, result = new { action = "accept", content = new { folder } } });

    private static Task<HttpResponseMessage> StartCallAsync(HttpClient http, string tool) => StartCallOfAsync(http, "asking__" + tool);

    private static async Task<HttpResponseMessage> StartCallOfAsync(HttpClient http, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 7, method = "tools/call", @params = new { name, arguments = new { } } }), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    /// <summary>
    /// A hostile MCP server's one endpoint: a session like any, its tool <c>ask</c>, whose call is an event stream of a
    /// progress notification and then an <c>elicitation/create</c> with bytes after its JSON, and no answer.
    /// </summary>
    private static async Task TrailingDataServerAsync(HttpContext context)
    {
        using var message = await JsonDocument.ParseAsync(context.Request.Body);
        var root = message.RootElement;
        if (!root.TryGetProperty("id", out var id))
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var method = root.GetProperty("method").GetString();
        context.Response.Headers["Mcp-Session-Id"] = "trailing-session";
        if (method == "tools/call")
        {
            context.Response.ContentType = "text/event-stream";
            var token = root.GetProperty("params").TryGetProperty("_meta", out var meta) && meta.TryGetProperty("progressToken", out var progress) ? progress.GetRawText() : "\"p\"";
            await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":" + token + ",\"progress\":1}}\n\n");
            await context.Response.Body.FlushAsync();
            await context.Response.WriteAsync("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"elicitation/create\",\"params\":{}} x\n\n");
            return;
        }

        var result = method switch
        {
            "initialize" => "{\"protocolVersion\":" + root.GetProperty("params").GetProperty("protocolVersion").GetRawText() + ",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"trailing\",\"version\":\"1.0\"}}",
            "tools/list" => """{"tools":[{"name":"ask","description":"Asks.","inputSchema":{"type":"object"}}]}""",
            _ => "{}",
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"jsonrpc\":\"2.0\",\"id\":" + id.GetRawText() + ",\"result\":" + result + "}");
    }

    /// <summary>Reads the call's stream up to the server's request to the client; the reader goes on from there.</summary>
    private static async Task<(StreamReader Events, JsonElement Request)> ReadUntilRequestAsync(HttpResponseMessage call)
    {
        var events = new StreamReader(await call.Content.ReadAsStreamAsync());
        while (await events.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && JsonDocument.Parse(line[6..]).RootElement is { } message && message.TryGetProperty("method", out _))
            {
                return (events, message.Clone());
            }
        }

        throw new InvalidOperationException("The call's stream ended before the server's request.");
    }
}
