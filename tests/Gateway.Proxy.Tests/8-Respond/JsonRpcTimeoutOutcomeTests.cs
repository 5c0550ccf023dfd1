using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.A2a;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// On the JSON-RPC routes too, a call the upstream took up and held past its connector's <c>timeout</c> is answered
/// <c>upstream_timeout</c> with <c>invoked: true</c> in the error's <c>data</c>, and its outcome recorded as invoked: an MCP
/// server (the official .NET SDK) holding a tool call on <c>/mcp</c>, and a remote A2A agent on a real Kestrel server holding a
/// message on <c>/a2a/helper</c>.
/// </summary>
public sealed class JsonRpcTimeoutOutcomeTests
{
    private const string HeldText = "hold-until-gone";
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task McpToolsCall_ServerTookTheCallAndTimedOut_AnswersAndRecordsInvoked()
    {
        await using var mcp = await McpGateway.StartAsync(static text => Replaced(text,
            "credential: \"vault:notes-token\" }", "credential: \"vault:notes-token\", limits: { timeout: 2s } }"));
        mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            using var http = mcp.SignedHttp();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"}}}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
            using var response = await http.SendAsync(request).WaitAsync(GiveUp);
            var data = ErrorData(await response.Content.ReadAsStringAsync());
            var outcome = await UpstreamTimeoutOutcomeTests.OutcomeAsync(mcp.Gateway, response);

            Assert.Single(mcp.Notes.Calls);
            Assert.Equal("upstream_timeout", data.GetProperty("code").GetString());
            Assert.True(data.GetProperty("invoked").GetBoolean(), "the server took the call up: answered as not invoked: " + data);
            Assert.True(outcome.GetProperty("invoked").GetBoolean(), "the server took the call up: recorded as not invoked: " + outcome);
        }
        finally
        {
            mcp.Notes.Hold.TrySetResult();
        }
    }

    [Fact]
    public async Task A2aSendMessage_AgentTookTheMessageAndTimedOut_AnswersAndRecordsInvoked()
    {
        var agent = new A2aTestAgent();
        await using var upstream = await KestrelUpstream.StartAsync(app =>
        {
            app.Use(HoldMessagesAsync);
            agent.Map(app);
        });
        await using var gw = await GovernedGateway.StartAsync(text => Replaced(Replaced(text, "  - name: workspace\n", $$"""
              - { name: helper, kind: a2a, action_type: read, target_system: helper, upstream: {{upstream.Origin}}/a2a, credential: none, limits: { timeout: 2s } }
              - { name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize }

              - name: workspace

            """), "      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: helper }\n      - { tool: helper.summarize }\n"));

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendMessage", "summarize", HeldText))).WaitAsync(GiveUp);
        var data = ErrorData(await response.Content.ReadAsStringAsync());
        var outcome = await UpstreamTimeoutOutcomeTests.OutcomeAsync(gw, response);

        Assert.Single(upstream.Received, static r => r.Method == "POST" && r.Target == "/a2a");
        Assert.Equal("upstream_timeout", data.GetProperty("code").GetString());
        Assert.True(data.GetProperty("invoked").GetBoolean(), "the agent took the message up: answered as not invoked: " + data);
        Assert.True(outcome.GetProperty("invoked").GetBoolean(), "the agent took the message up: recorded as not invoked: " + outcome);
    }

    /// <summary>A message of <see cref="HeldText"/> taken up (the upstream records it) and answered nothing until its caller goes away.</summary>
    private static async Task HoldMessagesAsync(HttpContext context, RequestDelegate next)
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path == "/a2a")
        {
            using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            context.Request.Body.Position = 0;
            if (body.Contains(HeldText, StringComparison.Ordinal))
            {
                await UpstreamTimeoutOutcomeTests.HoldUntilGoneAsync(context);
                return;
            }
        }

        await next(context);
    }

    /// <summary>The JSON-RPC error's <c>data</c> of an answer (its body, or the last event of an event stream).</summary>
    private static JsonElement ErrorData(string body)
    {
        var json = body.TrimStart().StartsWith('{') ? body : body.Split('\n').Last(static l => l.StartsWith("data:", StringComparison.Ordinal))["data:".Length..];
        using var answer = JsonDocument.Parse(json);
        Assert.True(answer.RootElement.TryGetProperty("error", out var error), body);
        return error.GetProperty("data").Clone();
    }

    private static string Replaced(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }
}
