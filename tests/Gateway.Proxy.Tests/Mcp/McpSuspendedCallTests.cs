using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Oversight.Agents;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A suspended agent carries none of its calls on through <c>/mcp</c>: its answer to a request its call's server sent it
/// mid-call (a real MCP server of the official .NET SDK asking the person) and the resumption of its call's stream are
/// refused as its calls are (403 <c>blocked</c>, recorded) and never reach the server; a kill switch thrown through the
/// admin API ends its calls in flight at once, as revoking a delegated child's grant ends the child's.
/// </summary>
public sealed class McpSuspendedCallTests : IAsyncLifetime
{
    private Infrastructure.McpTestServer _asking = null!;
    private McpGateway _mcp = null!;

    public async Task InitializeAsync()
    {
        _asking = await Infrastructure.McpTestServer.StartAsync((Infrastructure.McpTestServer.AskPersonTool, "Asks the person."));
        _mcp = await McpGateway.StartAsync(text => text
            .Replace("catalog:\n", $$"""
                catalog:
                  - { name: asking, kind: mcp, action_type: read, target_system: asking, upstream: "{{_asking.Url}}", credential: none }
                  - { name: asking.person, kind: mcp_tool, action_type: read, target_system: asking, connector: asking, mcp_tool: {{Infrastructure.McpTestServer.AskPersonTool}} }

                """.Replace("\r", string.Empty), StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: asking.person }\n", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _mcp.DisposeAsync();
        await _asking.DisposeAsync();
    }

    [Fact]
    public async Task Answer_AgentSuspendedMidCall_IsRefusedRecordedAndNeverReachesTheServer()
    {
        using var http = _mcp.SignedHttp();
        using var call = await StartAskingCallAsync(http);
        var (events, lastEventId, relayed) = await ReadUntilRequestAsync(call);
        var id = relayed.GetProperty("id").GetString()!;

        // Suspended by an operator on another replica: only the switch in the shared store says so.
        var store = _mcp.Gateway.Host.Services.GetRequiredService<IStateStore>();
        await store.SetAsync(AgentStatusService.SuspendedKey("demo", "demo-agent"), "operator", null);
        using var refused = await http.PostAsync("/mcp", new StringContent(Answer(id, "while-suspended"), Encoding.UTF8, "application/json"));
        using var resumed = await ResumeAsync(http, lastEventId);
        await store.DeleteAsync(AgentStatusService.SuspendedKey("demo", "demo-agent"));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("blocked", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        var requestId = Assert.Single(refused.Headers.GetValues("X-Request-Id"));
        Assert.Contains(await _mcp.Gateway.AuditRecordsAsync(requestId), r => r.GetProperty("decision").GetString() == "refused:blocked");
        Assert.Equal(HttpStatusCode.Forbidden, resumed.StatusCode);
        Assert.Equal("blocked", JsonDocument.Parse(await resumed.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());

        // The server still waits for its answer: the refused one never reached it, the one sent once resumed does.
        using var answered = await http.PostAsync("/mcp", new StringContent(Answer(id, "after-resume"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, answered.StatusCode);
        var rest = await events.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("the person chose accept: after-resume", rest, StringComparison.Ordinal);
        Assert.DoesNotContain("while-suspended", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KillSwitch_ThrownWithACallInFlight_EndsTheCallAtOnce()
    {
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _mcp.PostRawAsync("""{"jsonrpc":"2.0","id":51,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"}}}""");
        await Eventually.HoldsAsync(() => !_mcp.Notes.Calls.IsEmpty, TimeSpan.FromSeconds(5), "the call did not reach the server within 5 s");

        using (var suspend = await _mcp.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null))
        {
            suspend.EnsureSuccessStatusCode();
        }

        var ended = await Xunit.Record.ExceptionAsync(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        _mcp.Notes.Hold.SetResult();
        Assert.IsAssignableFrom<HttpRequestException>(ended);
        Assert.Single(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task RevokeDelegation_WithTheChildsCallInFlight_EndsTheCallAtOnce()
    {
        var parent = new AgentClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret);
        var (child, _) = await DelegationCalls.DelegateAsync(parent, _mcp.Gateway.Host.Client,
            """{"name":"notes-reader","permissions":[{"tool":"notes","action_types":["read"]},{"tool":"notes.find","action_types":["read"]}],"data_class_ceiling":"internal"}""");
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = PostAsAsync(child, """{"jsonrpc":"2.0","id":52,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"}}}""");
        await Eventually.HoldsAsync(() => !_mcp.Notes.Calls.IsEmpty, TimeSpan.FromSeconds(5), "the child's call did not reach the server within 5 s");

        using (var revoke = await _mcp.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/" + child.Agent + "/revoke-delegation", content: null))
        {
            revoke.EnsureSuccessStatusCode();
        }

        var ended = await Xunit.Record.ExceptionAsync(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        _mcp.Notes.Hold.SetResult();
        Assert.IsAssignableFrom<HttpRequestException>(ended);
        Assert.Single(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task KillSwitch_OneTrackedCallsRequestAlreadyFinished_StillEndsTheAgentsOtherCalls()
    {
        // Calls whose requests finished (their HttpContext given back to the host, as Kestrel does at a request's end, while
        // they were still tracked) among calls still running: the switch ends every running one, whichever it meets first.
        var services = _mcp.Gateway.Host.Services;
        var sessions = services.GetRequiredService<McpSessions>();
        var streams = services.GetRequiredService<McpCallStreams>();
        var options = services.GetRequiredService<IOptions<McpEndpointOptions>>().Value;
        var owner = new McpCallOwner("demo", "demo-agent", "demo-agent");
        var running = new List<(DefaultHttpContext Context, McpCallLifetime Call)>();
        for (var i = 0; i < 12; i++)
        {
            var context = new DefaultHttpContext();
            context.Features.Set(new GatewayRequestFeature("req-finished-" + i));
            var call = Assert.IsType<McpCallLifetime>(McpCallLifetime.TryStart(context, sessions, streams, options, owner, "call-" + i, null));
            if (i % 2 == 0)
            {
                context.Uninitialize();
            }
            else
            {
                running.Add((context, call));
            }
        }

        try
        {
            using (var suspend = await _mcp.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null))
            {
                suspend.EnsureSuccessStatusCode();
            }

            await Eventually.HoldsAsync(() => running.TrueForAll(r => r.Context.RequestAborted.IsCancellationRequested), TimeSpan.FromSeconds(5),
                $"{running.Count(r => !r.Context.RequestAborted.IsCancellationRequested)} of the agent's {running.Count} running calls were not ended within 5 s");
        }
        finally
        {
            running.ForEach(r => r.Call.Dispose());
        }
    }

    private async Task<string> PostAsAsync(AgentClient signer, string json)
    {
        using var http = _mcp.SignedHttp(signer.Agent, signer.Secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static string Answer(string id, string folder) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id, result = new { action = "accept", content = new { folder } } });

    private static async Task<HttpResponseMessage> StartAskingCallAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"asking__ask_person","arguments":{}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    private static async Task<HttpResponseMessage> ResumeAsync(HttpClient http, string lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var response = await http.SendAsync(request, limit.Token);
        await response.Content.LoadIntoBufferAsync(limit.Token);
        return response;
    }

    /// <summary>Reads the call's stream up to the server's request to the client (and the last event id seen); the reader goes on from there.</summary>
    private static async Task<(StreamReader Events, string LastEventId, JsonElement Request)> ReadUntilRequestAsync(HttpResponseMessage call)
    {
        var events = new StreamReader(await call.Content.ReadAsStreamAsync());
        var lastEventId = string.Empty;
        while (await events.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                lastEventId = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && JsonDocument.Parse(line[6..]).RootElement is { } message && message.TryGetProperty("method", out _))
            {
                Assert.NotEmpty(lastEventId);
                return (events, lastEventId, message.Clone());
            }
        }

        throw new InvalidOperationException("The call's stream ended before the server's request.");
    }
}
