using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>/mcp</c>'s limits, set low: one session per agent and one tool call in flight. A new session takes the place of
/// the agent's least recently used one with no call in flight (which is then unknown: 404); only when every one has a
/// call in flight is it refused, with a stable code. A call beyond the pending limit is refused until one ends. A
/// delegated child or grandchild counts against its registered agent's limits: delegating adds no sessions and no calls
/// in flight. Sessions are bound to the person the agent acts for: another person's initialize never ends this person's
/// session, and another person's request on it is answered as an unknown session's.
/// </summary>
public sealed class McpLimitsTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    private const string NotesGrant = """{"name":"notes-reader","permissions":[{"tool":"notes"},{"tool":"notes.find"},{"tool":"files.read"}],"may_delegate":true}""";
    private const string NotesSubGrant = """{"name":"notes-sub-reader","permissions":[{"tool":"notes"},{"tool":"notes.find"},{"tool":"files.read"}]}""";
    private const string Ping = """{"jsonrpc":"2.0","id":2,"method":"ping"}""";
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"child","version":"1"}}}""";

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(DelegationCalls.TwoLevels, settings: new Dictionary<string, string?>
    {
        ["Gateway:Mcp:MaxSessionsPerAgent"] = "1",
        ["Gateway:Mcp:MaxPendingCallsPerAgent"] = "1",
    });

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Initialize_AtTheSessionLimit_TheLeastRecentlyUsedIdleSessionGivesWayAndIsThenUnknown()
    {
        await using var first = await _mcp.ConnectAsync("2025-11-25");
        var firstId = first.SessionId!;

        await using var second = await _mcp.ConnectAsync("2025-11-25");
        var tools = await second.ListToolsAsync();
        var (status, body) = await PostInSessionAsync(firstId, """{"jsonrpc":"2.0","id":2,"method":"ping"}""");

        Assert.NotEmpty(tools);
        Assert.NotEqual(firstId, second.SessionId);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("initialize a new one", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_ManyOneShotClientsInARow_EveryOneConnects()
    {
        // Clients that never end their sessions (no DELETE), as the TypeScript SDK's close() and the Inspector CLI: each
        // is ended only after all have connected.
        var clients = new List<ModelContextProtocol.Client.McpClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                clients.Add(await _mcp.ConnectAsync("2025-11-25"));
                Assert.NotEmpty(await clients[^1].ListToolsAsync());
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Initialize_EverySessionHasACallInFlight_IsRefusedUntilOneEnds()
    {
        await using var first = await _mcp.ConnectAsync("2025-11-25");
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = PostInSessionAsync(first.SessionId!, """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"a"}}}""");
        await WaitUntilAsync(() => !_mcp.Notes.Calls.IsEmpty);

        var (status, refusedBody) = await _mcp.PostRawAsync(Initialize);
        _mcp.Notes.Hold.SetResult();
        var (heldStatus, _) = await held;

        // The call ends at the gateway just after its answer reaches the client: the next initialize waits until it has.
        await CallsEndedAsync();
        var (afterStatus, after) = await _mcp.PostRawAsync(Initialize);

        Assert.True(status == HttpStatusCode.OK && refusedBody.StartsWith('{'), $"{status}: {refusedBody}");
        var error = JsonDocument.Parse(refusedBody).RootElement.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("mcp_session_limit", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(429, error.GetProperty("data").GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.OK, heldStatus);
        Assert.Equal(HttpStatusCode.OK, afterStatus);
        Assert.Contains("\"protocolVersion\"", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_BeyondTheAgentsPendingCalls_IsRefusedUntilOneEnds()
    {
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _mcp.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"a"}}}""");
        await WaitUntilAsync(() => !_mcp.Notes.Calls.IsEmpty);

        var (_, refused) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"files__read_file","arguments":{"text":"b"}}}""");
        _mcp.Notes.Hold.SetResult();
        var (_, answered) = await held;
        await CallsEndedAsync();
        var (_, after) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"files__read_file","arguments":{"text":"c"}}}""");

        Assert.Equal("mcp_pending_limit", refused.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.True(answered.TryGetProperty("result", out _), answered.ToString());
        Assert.True(after.TryGetProperty("result", out _), after.ToString());
        Assert.Equal(["c"], _mcp.Files.Calls.Select(c => JsonDocument.Parse(c.Arguments).RootElement.GetProperty("text").GetString()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Initialize_DescendantOfAnAgentAtItsSessionLimit_TakesTheAgentsSessionsPlace(int depth)
    {
        var descendant = await DescendantAsync(depth);
        await using var first = await _mcp.ConnectAsync("2025-11-25");
        var firstId = first.SessionId!;

        var (status, opened) = await PostAsync(descendant, Initialize);
        var (firstStatus, _) = await PostInSessionAsync(firstId, """{"jsonrpc":"2.0","id":2,"method":"ping"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(opened.TryGetProperty("result", out _), opened.ToString());
        Assert.Equal(HttpStatusCode.NotFound, firstStatus);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Initialize_DescendantWhileItsAgentsOneSessionHasACallInFlight_IsRefused(int depth)
    {
        var descendant = await DescendantAsync(depth);
        await using var first = await _mcp.ConnectAsync("2025-11-25");
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = PostInSessionAsync(first.SessionId!, """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"a"}}}""");
        await WaitUntilAsync(() => !_mcp.Notes.Calls.IsEmpty);

        var (status, refused) = await PostAsync(descendant, Initialize);
        _mcp.Notes.Hold.SetResult();
        var (heldStatus, _) = await held;

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("mcp_session_limit", refused.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, heldStatus);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task CallTool_DescendantWhileItsAgentHoldsTheOneCallInFlight_IsRefused(int depth)
    {
        var descendant = await DescendantAsync(depth);
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _mcp.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"a"}}}""");
        await WaitUntilAsync(() => !_mcp.Notes.Calls.IsEmpty);

        var (_, refused) = await PostAsync(descendant, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"files__read_file","arguments":{"text":"b"}}}""");
        _mcp.Notes.Hold.SetResult();
        await held;

        Assert.True(refused.TryGetProperty("error", out var error), refused.ToString());
        Assert.Equal("mcp_pending_limit", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(_mcp.Files.Calls);
    }

    [Fact]
    public async Task Initialize_AnotherPersonAtTheAgentsLimit_LeavesThisPersonsSessionLive()
    {
        // One agent serving two people's clients, one session per agent: Bob's initialize may end only a session of Bob's.
        await using var people = await PersonGateway.StartAsync(settings: new Dictionary<string, string> { ["Gateway:Mcp:MaxSessionsPerAgent"] = "1" });
        var (_, aliceSession, _) = await PostAsPersonAsync(people, "alice", Initialize);

        var (_, _, bobOpened) = await PostAsPersonAsync(people, "bob", Initialize);
        var (aliceStatus, _, alicePing) = await PostAsPersonAsync(people, "alice", Ping, aliceSession);

        Assert.NotNull(aliceSession);
        Assert.Equal(HttpStatusCode.OK, aliceStatus);
        Assert.Contains("\"result\"", alicePing, StringComparison.Ordinal);
        Assert.Contains("mcp_session_limit", bobOpened, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_AnotherPersonsSessionId_IsAnsweredAsUnknown()
    {
        await using var people = await PersonGateway.StartAsync();
        var (_, aliceSession, _) = await PostAsPersonAsync(people, "alice", Initialize);

        var (bobStatus, _, bobBody) = await PostAsPersonAsync(people, "bob", Ping, aliceSession);
        var (unknownStatus, _, unknownBody) = await PostAsPersonAsync(people, "bob", Ping, "0123456789abcdef0123456789abcdef");
        var (aliceStatus, _, _) = await PostAsPersonAsync(people, "alice", Ping, aliceSession);

        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Equal(unknownStatus, bobStatus);
        Assert.Equal(WithoutRequestId(unknownBody), WithoutRequestId(bobBody));
        Assert.Equal(HttpStatusCode.OK, aliceStatus);
    }

    [Fact]
    public async Task Initialize_ForAPerson_StoresTheSessionAsThatPersons()
    {
        // What another replica continues the session from: it binds the session to Alice there too.
        await using var people = await PersonGateway.StartAsync();
        var (_, aliceSession, _) = await PostAsPersonAsync(people, "alice", Initialize);

        var stored = await people.Gateway.Host.Services.GetRequiredService<IStateStore>().GetAsync(StoreKeys.McpSession("demo", aliceSession!));

        using var record = JsonDocument.Parse(stored!);
        Assert.Equal("alice", record.RootElement.TryGetProperty("person_subject", out var subject) ? subject.GetString() : null);
    }

    /// <summary>A refusal's body without its request id, which is each request's own.</summary>
    private static string WithoutRequestId(string body) => Regex.Replace(body, "\"request_id\":\"[^\"]*\"", string.Empty);

    /// <summary>Posts one JSON-RPC message to <c>/mcp</c> signed as the demo agent for <paramref name="person"/>, in <paramref name="sessionId"/> when given.</summary>
    private static async Task<(HttpStatusCode Status, string? SessionId, string Body)> PostAsPersonAsync(PersonGateway people, string person, string json, string? sessionId = null)
    {
        var agent = people.Gateway.Agent;
        using var request = agent.CreateForPerson(HttpMethod.Post, "/mcp", json, people.Provider.Issue(person));
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (sessionId is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
            request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        }

        using var response = await agent.SendAsync(request);
        var opened = response.Headers.TryGetValues("Mcp-Session-Id", out var values) ? values.FirstOrDefault() : null;
        return (response.StatusCode, opened, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A child of the demo agent (1), or that child's child (2).</summary>
    private async Task<AgentClient> DescendantAsync(int depth)
    {
        var (descendant, _) = await DelegationCalls.DelegateAsync(new AgentClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret), _mcp.Gateway.Host.Client, NotesGrant);
        if (depth == 2)
        {
            (descendant, _) = await DelegationCalls.DelegateAsync(descendant, _mcp.Gateway.Host.Client, NotesSubGrant);
        }

        return descendant;
    }

    /// <summary>Posts one JSON-RPC message to <c>/mcp</c> signed as <paramref name="signer"/>.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Json)> PostAsync(AgentClient signer, string json)
    {
        using var http = _mcp.SignedHttp(signer.Agent, signer.Secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        // An answer served as an event stream carries its one message on its data line.
        var message = body.Split('\n').FirstOrDefault(static l => l.StartsWith("data: ", StringComparison.Ordinal))?["data: ".Length..] ?? body;
        return (response.StatusCode, JsonDocument.Parse(message).RootElement.Clone());
    }

    /// <summary>Posts one JSON-RPC message to <c>/mcp</c> in the session <paramref name="sessionId"/>, signed as the demo agent.</summary>
    private async Task<(HttpStatusCode Status, string Body)> PostInSessionAsync(string sessionId, string json)
    {
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // Waits on the condition itself; the bound is only liveness (a loaded machine may take seconds), never a speed requirement.
    private static Task WaitUntilAsync(Func<bool> condition) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(60), "the condition did not hold within 60 s");

    // A call's answer reaches its client just before the gateway counts the call ended (the count drops in the call's
    // finally): what comes next waits until the demo agent has no call in flight, so it meets the limits with none.
    private Task CallsEndedAsync()
    {
        var sessions = _mcp.Gateway.Host.Services.GetRequiredService<McpSessions>();
        return Eventually.HoldsAsync(
            () => sessions.CallsInFlight("demo", DemoBundle.Agent) == 0,
            TimeSpan.FromSeconds(60),
            () => $"the demo agent still has {sessions.CallsInFlight("demo", DemoBundle.Agent)} call(s) in flight on /mcp after 60 s");
    }
}
