namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A <c>notifications/cancelled</c> on <c>/mcp</c> reaches only a call of its own MCP session: several people's clients
/// share one agent and number their JSON-RPC ids alike, so another session's cancel naming the same id leaves the call
/// running (a real MCP server of the official .NET SDK holding it), and the call's own session still cancels it.
/// </summary>
public sealed class McpCancelOwnershipTests : IAsyncLifetime
{
    private const string HeldCall = """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"}}}""";
    private const string CancelThree = """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3,"reason":"not yours"}}""";

    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Cancel_FromAnotherSession_LeavesTheCallRunningAndItsOwnSessionStillCancelsIt()
    {
        await using var alice = await _mcp.ConnectAsync("2025-11-25");
        await using var bob = await _mcp.ConnectAsync("2025-11-25");
        var aliceSession = ("Mcp-Session-Id", alice.SessionId!);
        var bobSession = ("Mcp-Session-Id", bob.SessionId!);
        Assert.NotEqual(alice.SessionId, bob.SessionId);

        // Bob's cancel of "his" call 3 while Alice's call 3 is in flight: hers runs on and is answered.
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _mcp.PostRawAsync(HeldCall, aliceSession);
        await Gateway.Testing.Eventually.HoldsAsync(() => _mcp.Notes.Calls.Count == 1, TimeSpan.FromSeconds(5), "the call did not reach the server within 5 s");
        await _mcp.PostRawAsync(CancelThree, bobSession);
        _mcp.Notes.Hold.SetResult();
        var (status, body) = await held.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Contains("\"result\"", body, StringComparison.Ordinal);

        // Alice's own cancel of her next call 3 still aborts it.
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var again = _mcp.PostRawAsync(HeldCall, aliceSession);
        await Gateway.Testing.Eventually.HoldsAsync(() => _mcp.Notes.Calls.Count == 2, TimeSpan.FromSeconds(5), "the second call did not reach the server within 5 s");
        await _mcp.PostRawAsync(CancelThree, aliceSession);

        var aborted = await Xunit.Record.ExceptionAsync(() => again.WaitAsync(TimeSpan.FromSeconds(10)));
        _mcp.Notes.Hold.SetResult();
        Assert.IsAssignableFrom<HttpRequestException>(aborted);
    }
}
