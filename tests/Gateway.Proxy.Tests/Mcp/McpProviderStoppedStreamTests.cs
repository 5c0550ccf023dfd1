using System.Net;
using System.Text;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// An agent's open event stream on an MCP server's own route <c>/providers/&lt;server&gt;</c> (the <c>GET</c> that carries
/// the server's notifications and requests) ends once a kill switch thrown through the replica serving it stops the
/// agent, as <c>/mcp</c> ends a stopped agent's calls: nothing the server sends after it reaches the stopped agent.
/// </summary>
public sealed class McpProviderStoppedStreamTests : IAsyncLifetime
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"gateway-tests","version":"1.0"}}}""";
    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";
    private const string ToolsList = """{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}""";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartWithFilesRouteAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ProvidersServerRoute_AgentStoppedWhileStreamOpen_StreamEnds()
    {
        var session = await OpenSessionAsync();
        using var http = _mcp.SignedHttp();
        using var get = Request(HttpMethod.Get, null, session);
        var sending = http.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);

        // The server answers the GET's headers with its first message: it is told of a change until they come.
        await Eventually.HoldsAsync(async () =>
        {
            await _mcp.Files.ToolsChangedAsync();
            return sending.IsCompleted;
        }, Within, "the GET stream did not open within 20 s");
        using var response = await sending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var heard = new StringBuilder();
        var reading = ReadToEndAsync(await response.Content.ReadAsStreamAsync(), heard);

        // The stream carries the server's notifications before the switch.
        await Eventually.HoldsAsync(async () =>
        {
            await _mcp.Files.ToolsChangedAsync();
            lock (heard)
            {
                return heard.ToString().Contains("notifications/tools/list_changed", StringComparison.Ordinal);
            }
        }, Within, "the GET stream carried no notification within 20 s");

        using (var thrown = await _mcp.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, thrown.StatusCode);
        }

        // Ended by the gateway, not left open for the server's next message (a TimeoutException otherwise).
        await reading.WaitAsync(Within);
    }

    [Fact]
    public async Task ProvidersServerRoute_SwitchThrownBeforeTheStreamOpened_StreamEnds()
    {
        var session = await OpenSessionAsync();
        var gets = GetsReceived();

        // A server slow to answer the GET: its stream opens a while after the gateway forwarded it.
        _mcp.Files.StreamDelay = TimeSpan.FromSeconds(3);
        using var http = _mcp.SignedHttp();
        using var get = Request(HttpMethod.Get, null, session);
        var sending = http.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);

        // Admitted and forwarded: the server has not answered it yet.
        await Eventually.HoldsAsync(() => GetsReceived() > gets, Within, "the GET did not reach the server within 20 s");

        // Suspended before the stream opened: only the switch in the shared store says so (thrown through this replica in
        // that window, its notice found no open stream to end).
        await _mcp.Gateway.Host.Services.GetRequiredService<Gateway.Store.IStateStore>()
            .SetAsync(Gateway.Oversight.Agents.AgentStatusService.SuspendedKey("demo", "demo-agent"), "operator", null);
        await Eventually.HoldsAsync(async () =>
        {
            await _mcp.Files.ToolsChangedAsync();
            return sending.IsCompleted;
        }, Within, "the GET stream did not open within 20 s");

        // Ended by the gateway as it opened, not left open for the server's next message (a TimeoutException otherwise).
        await EndedAsync(sending).WaitAsync(Within);
    }

    // Ends when the stream does: broken off before its headers came, or read to its end.
    private static async Task EndedAsync(Task<HttpResponseMessage> sending)
    {
        HttpResponseMessage response;
        try
        {
            response = await sending;
        }
        catch (HttpRequestException)
        {
            return;
        }

        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await ReadToEndAsync(await response.Content.ReadAsStreamAsync(), new StringBuilder());
        }
    }

    // The GET requests the files server received.
    private int GetsReceived() => _mcp.Files.Requests.Count(static r => r.Method == "GET");

    // Reads the stream into heard until it ends (or breaks off).
    private static async Task ReadToEndAsync(Stream stream, StringBuilder heard)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                lock (heard)
                {
                    heard.Append(Encoding.UTF8.GetString(buffer, 0, read));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // Broken off by the gateway: ended all the same.
        }
    }

    // The demo agent initializes a session of the files server and lists its tools (the server tells a lister its tools changed).
    private async Task<string> OpenSessionAsync()
    {
        using var http = _mcp.SignedHttp();
        using var initialize = Request(HttpMethod.Post, Initialize, null);
        using var response = await http.SendAsync(initialize);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = Assert.Single(response.Headers.GetValues("Mcp-Session-Id"));
        foreach (var json in new[] { Initialized, ToolsList })
        {
            using var next = _mcp.SignedHttp();
            using var request = Request(HttpMethod.Post, json, session);
            using var answered = await next.SendAsync(request);
            Assert.True(answered.IsSuccessStatusCode, $"{json}: {(int)answered.StatusCode}");
            await answered.Content.ReadAsStringAsync();
        }

        return session;
    }

    private static HttpRequestMessage Request(HttpMethod method, string? json, string? session)
    {
        var request = new HttpRequestMessage(method, "/providers/files");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.TryAddWithoutValidation("Accept", method == HttpMethod.Get ? "text/event-stream" : "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-06-18");
        if (session is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        }

        return request;
    }
}
