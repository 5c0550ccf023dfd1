using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A call the gateway forwarded to an MCP server and then ended before its answer (its client's
/// <c>notifications/cancelled</c>, a kill switch, its client gone from the native route) is cancelled at the server too: the
/// server (a real MCP server of the official .NET SDK holding the call) is sent <c>notifications/cancelled</c> naming the id
/// the gateway gave the call, on the call's session, with the call's credential; a call that was answered is not.
/// </summary>
public sealed class McpUpstreamCancelTests : IAsyncLifetime
{
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task Cancel_ACallTheServerHolds_TellsTheServerOnTheCallsSessionWithItsCredential()
    {
        // A call answered first: nothing is cancelled for it.
        var (answered, _) = await _mcp.PostRawAsync(Call("40"));
        Assert.Equal(HttpStatusCode.OK, answered);

        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _mcp.PostRawAsync(Call("\"call-41\""));
        await Eventually.HoldsAsync(() => _mcp.Notes.Calls.Count == 2, TimeSpan.FromSeconds(5), "the call did not reach the server within 5 s");
        await _mcp.PostRawAsync(Cancel("\"call-41\""));

        var cancelled = await CancelledAtServerAsync();
        var ended = await Xunit.Record.ExceptionAsync(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        _mcp.Notes.Hold.SetResult();

        // The cancelled call's own request is cut, not answered (MCP: no answer to a cancelled request).
        Assert.IsAssignableFrom<HttpRequestException>(ended);
        Assert.Equal(_mcp.Notes.CallIds.Last(), cancelled.RequestId);
        Assert.NotEqual("\"call-41\"", cancelled.RequestId);
        Assert.Equal(_mcp.Notes.CallSessions.Last(), cancelled.SessionId);
        Assert.NotNull(cancelled.SessionId);
        Assert.Equal("Bearer " + McpGateway.NotesCredential, cancelled.Authorization);
        Assert.Equal("The client cancelled the call.", cancelled.Reason);
        Assert.Single(_mcp.Notes.Cancellations);
    }

    [Fact]
    public async Task Cancel_ACallWhoseStreamBegan_TellsTheServer()
    {
        _mcp.Notes.HoldAfterFirstStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var http = _mcp.SignedHttp();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"},"_meta":{"progressToken":"cut"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await SseEvents.ReadFirstAsync(await response.Content.ReadAsStreamAsync());

        await _mcp.PostRawAsync(Cancel("7"));
        var cancelled = await CancelledAtServerAsync();
        _mcp.Notes.HoldAfterFirstStep.TrySetResult();

        Assert.Equal(Assert.Single(_mcp.Notes.CallIds), cancelled.RequestId);
        Assert.Equal(Assert.Single(_mcp.Notes.CallSessions), cancelled.SessionId);
    }

    [Fact]
    public async Task KillSwitch_ThrownWithACallInFlight_TellsTheServer()
    {
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = _mcp.PostRawAsync(Call("51"));
        await Eventually.HoldsAsync(() => !_mcp.Notes.Calls.IsEmpty, TimeSpan.FromSeconds(5), "the call did not reach the server within 5 s");

        using (var suspend = await _mcp.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null))
        {
            suspend.EnsureSuccessStatusCode();
        }

        var cancelled = await CancelledAtServerAsync();
        var ended = await Xunit.Record.ExceptionAsync(() => held.WaitAsync(TimeSpan.FromSeconds(10)));
        _mcp.Notes.Hold.SetResult();

        Assert.IsAssignableFrom<HttpRequestException>(ended);
        Assert.Equal(Assert.Single(_mcp.Notes.CallIds), cancelled.RequestId);
        Assert.Equal("A kill switch stopped the agent.", cancelled.Reason);
    }

    [Fact]
    public async Task ClientGone_FromANativeCallTheServerHolds_TellsTheServer()
    {
        _mcp.Notes.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = _mcp.Gateway.Agent;
        using var gone = new CancellationTokenSource();
        using var call = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"notes.find","args":{"text":"long"}}""");
        var sent = agent.SendAsync(call, gone.Token);
        await Eventually.HoldsAsync(() => !_mcp.Notes.Calls.IsEmpty, TimeSpan.FromSeconds(5), "the call did not reach the server within 5 s");

        await gone.CancelAsync();
        var cancelled = await CancelledAtServerAsync();
        var ended = await Xunit.Record.ExceptionAsync(() => sent.WaitAsync(TimeSpan.FromSeconds(10)));
        _mcp.Notes.Hold.SetResult();

        // The client's own cancellation ended its wait (not an answer, nor the give-up above).
        Assert.IsAssignableFrom<OperationCanceledException>(ended);
        Assert.Equal(Assert.Single(_mcp.Notes.CallIds), cancelled.RequestId);
        Assert.Equal(Assert.Single(_mcp.Notes.CallSessions), cancelled.SessionId);
        Assert.Equal("Bearer " + McpGateway.NotesCredential, cancelled.Authorization);
    }

    /// <summary>The first <c>notifications/cancelled</c> the notes server receives.</summary>
    private async Task<(string RequestId, string? Reason, string? SessionId, string? Authorization)> CancelledAtServerAsync()
    {
        await Eventually.HoldsAsync(() => !_mcp.Notes.Cancellations.IsEmpty, TimeSpan.FromSeconds(10), "the server was not sent notifications/cancelled within 10 s");
        return _mcp.Notes.Cancellations.First();
    }

    /// <summary>A call of notes' find under <paramref name="id"/> (raw JSON).</summary>
    private static string Call(string id) =>
        """{"jsonrpc":"2.0","id":""" + id + ""","method":"tools/call","params":{"name":"notes__find","arguments":{"text":"long"}}}""";

    /// <summary>The client's cancel of its call <paramref name="id"/> (raw JSON).</summary>
    private static string Cancel(string id) =>
        """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":""" + id + ""","reason":"the user changed their mind"}}""";
}
