using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// <c>/mcp</c>'s limits, set low: one session per agent and one tool call in flight. What goes over is refused with a
/// stable code, and what was under keeps working.
/// </summary>
public sealed class McpLimitsTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Gateway:Mcp:MaxSessionsPerAgent"] = "1",
        ["Gateway:Mcp:MaxPendingCallsPerAgent"] = "1",
    });

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Initialize_BeyondTheAgentsSessions_IsRefusedAndTheFirstSessionStillServes()
    {
        await using var first = await _mcp.ConnectAsync("2025-11-25");

        var (status, second) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"second","version":"1"}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("mcp_session_limit", second.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.NotEmpty(await first.ListToolsAsync());
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
        var (_, after) = await _mcp.PostAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"files__read_file","arguments":{"text":"c"}}}""");

        Assert.Equal("mcp_pending_limit", refused.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.True(answered.TryGetProperty("result", out _), answered.ToString());
        Assert.True(after.TryGetProperty("result", out _), after.ToString());
        Assert.Equal(["c"], _mcp.Files.Calls.Select(c => JsonDocument.Parse(c.Arguments).RootElement.GetProperty("text").GetString()));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }
}
