using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Gateway.Proxy.Bundle;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>/mcp</c> while things change: a bundle reload tells listening sessions their tools changed, a server that is
/// down takes only its own tools with it, a server that forgot its session is re-initialized without the agent
/// noticing, and a kill switch empties the agent's list.
/// </summary>
public sealed class McpLiveTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ListChanged_BundleReloadTakesAPermissionAway_SessionIsToldAndNoLongerListsIt()
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await _mcp.ConnectAsync("2025-11-25", new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, (_, _) =>
            {
                changed.TrySetResult();
                return ValueTask.CompletedTask;
            })],
        });
        Assert.Contains(await client.ListToolsAsync(), t => t.Name == "notes__find");

        _mcp.Gateway.Bundle.Rewrite(text => text.Replace("      - { tool: notes.find }\n", string.Empty, StringComparison.Ordinal));
        Assert.Empty(await _mcp.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());

        await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(await client.ListToolsAsync(), t => t.Name == "notes__find");
    }

    [Fact]
    public async Task ListTools_OneServerDown_ListsTheOthersToolsOnly()
    {
        await using var client = await _mcp.ConnectAsync();
        await _mcp.Notes.StopAsync();

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();

        Assert.DoesNotContain("notes__find", names);
        Assert.Contains("files__read_file", names);
        Assert.Contains("crm_read_contact", names);
    }

    [Fact]
    public async Task CallTool_OneServerDown_FailsClosedForItsToolsWhileTheOtherServes()
    {
        await using var client = await _mcp.ConnectAsync();
        await _mcp.Notes.StopAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("notes__find").AsTask());
        var served = await client.CallToolAsync("files__read_file", new Dictionary<string, object?> { ["text"] = "a.txt" });

        Assert.Equal(-31000, (int)refused.ErrorCode);
        Assert.NotEqual(true, served.IsError);
        Assert.Single(_mcp.Files.Calls);
    }

    [Fact]
    public async Task CallTool_UpstreamForgotItsSessionMidUse_IsReinitializedAndServed()
    {
        await using var client = await _mcp.ConnectAsync();
        await client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "one" });
        var before = _mcp.Notes.Initializations;

        await _mcp.Notes.RestartAsync();
        var result = await client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "two" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(2, _mcp.Notes.Calls.Count(c => c.Tool == "find"));
        Assert.True(_mcp.Notes.Initializations > before, "the gateway opened a new session with the restarted server");
    }

    [Fact]
    public async Task ListChanged_AgentSuspended_SessionIsToldListsNothingAndCallsAreRefused()
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await _mcp.ConnectAsync("2025-11-25", new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, (_, _) =>
            {
                changed.TrySetResult();
                return ValueTask.CompletedTask;
            })],
        });
        Assert.NotEmpty(await client.ListToolsAsync());

        using (var suspend = await _mcp.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null))
        {
            suspend.EnsureSuccessStatusCode();
        }

        await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(await client.ListToolsAsync());
        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("notes__find").AsTask());
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Theory]
    [InlineData("suspend")]
    [InlineData("revoke-delegation")]
    public async Task ListChanged_ParentSuspendedOrGrantRevoked_ChildSessionIsToldAndListsNothing(string action)
    {
        var parent = new Gateway.Proxy.Tests.Infrastructure.AgentClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret);
        var (child, _) = await Gateway.Proxy.Tests.Infrastructure.DelegationCalls.DelegateAsync(parent, _mcp.Gateway.Host.Client,
            """{"name":"notes-reader","permissions":[{"tool":"notes","action_types":["read"]},{"tool":"notes.find","action_types":["read"]}]}""");
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await _mcp.ConnectAsync(_mcp.SignedHttp(child.Agent, child.Secret), "2025-11-25", new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, (_, _) =>
            {
                changed.TrySetResult();
                return ValueTask.CompletedTask;
            })],
        });
        Assert.Equal(["notes__find"], (await client.ListToolsAsync()).Select(t => t.Name));

        var target = action == "suspend" ? "demo-agent/suspend" : child.Agent + "/revoke-delegation";
        using (var switched = await _mcp.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/" + target, content: null))
        {
            switched.EnsureSuccessStatusCode();
        }

        await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        if (action == "suspend")
        {
            Assert.Empty(await client.ListToolsAsync());
        }

        await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("notes__find").AsTask());
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task ListChanged_ItsChildsGrantRevoked_TheParentsOwnSessionIsNotTold()
    {
        var parent = new Gateway.Proxy.Tests.Infrastructure.AgentClient(_mcp.Gateway.Host.Client, _mcp.Gateway.Bundle.AgentSecret);
        var (child, _) = await Gateway.Proxy.Tests.Infrastructure.DelegationCalls.DelegateAsync(parent, _mcp.Gateway.Host.Client,
            """{"name":"notes-reader","permissions":[{"tool":"notes.find","action_types":["read"]}]}""");
        var told = 0;
        await using var client = await _mcp.ConnectAsync("2025-11-25", new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, (_, _) =>
            {
                Interlocked.Increment(ref told);
                return ValueTask.CompletedTask;
            })],
        });
        Assert.NotEmpty(await client.ListToolsAsync());
        var updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await client.SubscribeToResourceAsync("gamut-mcp://notes/note%3A%2F%2Fq3-plan", (_, _) =>
        {
            updated.TrySetResult();
            return ValueTask.CompletedTask;
        });

        using (var revoke = await _mcp.Gateway.Admin().PostAsync($"/admin/v1/tenants/demo/agents/{child.Agent}/revoke-delegation", content: null))
        {
            revoke.EnsureSuccessStatusCode();
        }

        // A barrier, not a wait: an update of a resource the parent's session subscribed to comes on that session's one
        // stream after anything the revocation sent it; the ping's round trip lets a notification read before it be handled.
        await _mcp.Notes.UpdatedAsync("note://q3-plan");
        await updated.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await client.PingAsync();
        Assert.Equal(0, Volatile.Read(ref told));
    }

    [Fact]
    public async Task Cancelled_ACallInFlight_IsAbortedAtOnce()
    {
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _mcp.PostRawAsync("""{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"}}}""");
        await Gateway.Testing.Eventually.HoldsAsync(() => !_mcp.Notes.Calls.IsEmpty, TimeSpan.FromSeconds(5), "the call did not reach the server within 5 s");

        await _mcp.PostRawAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":41,"reason":"the user changed their mind"}}""");

        var aborted = await Xunit.Record.ExceptionAsync(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        _mcp.Notes.Hold.SetResult();
        Assert.IsAssignableFrom<HttpRequestException>(aborted);
        Assert.Single(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task Post_Batch_IsRefusedAndNothingReachesAServer()
    {
        var (status, json) = await _mcp.PostAsync("""[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find"}},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("id").ValueKind);
        Assert.Equal(-32600, json.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", json.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task Post_RepeatedMember_IsRefused()
    {
        var (status, json) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find","name":"notes__erase"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(1, json.GetProperty("id").GetInt32());
        Assert.Equal(-32600, json.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", json.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task Post_ArgumentsNotAnObject_IsAJsonRpcError()
    {
        var (status, json) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"notes__find","arguments":[1,2]}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("a", json.GetProperty("id").GetString());
        Assert.Equal(-31000, json.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("malformed_body", json.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task Post_ToolCallWithoutSignature_IsRefusedAndNothingReachesAServer()
    {
        using var unsigned = new HttpClient { BaseAddress = _mcp.Gateway.Host.BaseAddress };
        using var response = await unsigned.PostAsync("/mcp", new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes__find"}}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_mcp.Notes.Calls);
    }

    [Fact]
    public async Task Post_ReplayedSignedMessage_IsRefusedAsAJsonRpcError()
    {
        using var http = _mcp.SignedHttp();
        using var first = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", System.Text.Encoding.UTF8, "application/json") };
        first.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var answered = await http.SendAsync(first);
        var replay = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", System.Text.Encoding.UTF8, "application/json") };
        foreach (var header in first.Headers)
        {
            replay.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var plain = new HttpClient { BaseAddress = _mcp.Gateway.Host.BaseAddress };
        using var replayed = await plain.SendAsync(replay);

        var refusal = JsonDocument.Parse(await replayed.Content.ReadAsStringAsync()).RootElement;
        Assert.NotEqual(HttpStatusCode.Unauthorized, answered.StatusCode);
        Assert.Equal(-31000, refusal.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("replayed_nonce", refusal.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
    }
}
