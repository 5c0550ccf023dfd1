using System.Net;
using System.Text;
using Gamut.Agent;
using Gateway.Proxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// One MCP session on <c>/mcp</c> served by two replicas in turn (a load balancer without sticky sessions, every
/// request to the other replica): the session opened on one is continued on the other from the shared Redis, and a
/// call's event stream cut on one is resumed on the other; a session that gave way to a newer one on one replica is
/// unknown (404) on both.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class McpSessionAcrossReplicasTests : IAsyncLifetime
{
    private McpTestServer _files = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _files = await McpTestServer.StartAsync(("read_file", "Reads a file."));
        _cluster = await ReplicaCluster.StartAsync(2, rewrite: text => text
            .Replace("catalog:\n", $$"""
                catalog:
                  - { name: files, kind: mcp, action_type: read, target_system: files, upstream: "{{_files.Url}}", credential: none }
                  - { name: files.read, kind: mcp_tool, action_type: read, target_system: files, connector: files, mcp_tool: read_file }

                """.Replace("\r", string.Empty), StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: files.read }\n", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_files?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task Session_OpenedOnOneReplica_IsContinuedOnTheOther()
    {
        var alternate = new AlternatingReplicas(_cluster[0].BaseAddress, _cluster[1].BaseAddress);
        await using var client = await ConnectAsync(alternate);

        var tools = await client.ListToolsAsync();
        var first = await client.CallToolAsync("files__read_file", new Dictionary<string, object?> { ["text"] = "a" });
        var second = await client.CallToolAsync("files__read_file", new Dictionary<string, object?> { ["text"] = "b" });
        await client.PingAsync();

        Assert.Contains(tools, t => t.Name == "files__read_file");
        Assert.NotEqual(true, first.IsError);
        Assert.NotEqual(true, second.IsError);
        Assert.True(alternate.Sent[0] >= 2 && alternate.Sent[1] >= 2, $"requests per replica: {alternate.Sent[0]}, {alternate.Sent[1]}");
        Assert.NotNull(client.SessionId);
        Assert.Equal(2, _files.Calls.Count);
    }

    [Fact]
    public async Task CallStream_CutOnOneReplica_IsResumedOnTheOtherToItsAnswer()
    {
        _files.HoldAfterFirstStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string firstId;
        using (var first = Signed(_cluster[0].BaseAddress))
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":"r1","method":"tools/call","params":{"name":"files__read_file","arguments":{"text":"a"},"_meta":{"progressToken":"t"}}}""", Encoding.UTF8, "application/json"),
        })
        {
            request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
            using var response = await first.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            firstId = (await SseEvents.ReadFirstAsync(await response.Content.ReadAsStreamAsync())).Id!;
        }

        _files.HoldAfterFirstStep.SetResult();
        using var second = Signed(_cluster[1].BaseAddress);
        using var resume = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        resume.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        resume.Headers.TryAddWithoutValidation("Last-Event-ID", firstId);
        using var resumed = await second.SendAsync(resume);
        var rest = SseEvents.Parse(await resumed.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal([2, 3], rest.Take(2).Select(e => e.Json.GetProperty("params").GetProperty("progress").GetInt32()));
        Assert.Equal("r1", rest[^1].Json.GetProperty("id").GetString());
        Assert.Equal("read_file ran with {\"text\":\"a\"}", rest[^1].Json.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Single(_files.Calls);
    }

    [Fact]
    public async Task Session_GivenWayOnOneReplica_IsUnknownOnBoth()
    {
        using var first = Signed(_cluster[0].BaseAddress);
        using var second = Signed(_cluster[1].BaseAddress);
        var (oldest, continued) = await OpenAndContinueAsync(first, second);
        for (var i = 1; i < 16; i++)
        {
            await InitializeAsync(first);
        }

        // The 17th session of the agent on the first replica: its least recently used session gives way.
        var newest = await InitializeAsync(first);

        Assert.Equal(HttpStatusCode.OK, continued);
        Assert.Equal(HttpStatusCode.NotFound, await PingAsync(second, oldest));
        Assert.Equal(HttpStatusCode.NotFound, await PingAsync(first, oldest));
        Assert.Equal(HttpStatusCode.OK, await PingAsync(second, newest));
    }

    [Fact]
    public async Task Session_EndedOnOneReplica_IsUnknownOnTheOther()
    {
        using var first = Signed(_cluster[0].BaseAddress);
        using var second = Signed(_cluster[1].BaseAddress);
        var (session, continued) = await OpenAndContinueAsync(first, second);

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/mcp");
        delete.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
        delete.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        using var ended = await first.SendAsync(delete);

        Assert.Equal(HttpStatusCode.OK, continued);
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await PingAsync(second, session));
    }

    /// <summary>A session opened on <paramref name="first"/> and continued (pinged) on <paramref name="second"/>.</summary>
    private static async Task<(string Session, HttpStatusCode Continued)> OpenAndContinueAsync(HttpClient first, HttpClient second)
    {
        var session = await InitializeAsync(first);
        return (session, await PingAsync(second, session));
    }

    private static async Task<string> InitializeAsync(HttpClient replica)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"one-shot","version":"1"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using var response = await replica.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    private static async Task<HttpStatusCode> PingAsync(HttpClient replica, string sessionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        using var response = await replica.SendAsync(request);
        return response.StatusCode;
    }

    private HttpClient Signed(Uri replica) => new(new GamutSigningHandler(DemoAgent(replica))) { BaseAddress = replica };

    private GamutOptions DemoAgent(Uri replica) => new()
    {
        BaseUrl = replica.ToString(),
        Tenant = "demo",
        Workspace = "ws-demo",
        AgentId = "demo-agent",
        Secret = _cluster.Bundle.AgentSecret,
    };

    private Task<McpClient> ConnectAsync(AlternatingReplicas alternate)
    {
        var signed = new HttpClient(new GamutSigningHandler(DemoAgent(_cluster[0].BaseAddress), alternate));
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(_cluster[0].BaseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            signed,
            ownsHttpClient: true);
        return McpClient.CreateAsync(transport, new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "replica-tests", Version = "1.0" },
            ProtocolVersion = "2025-11-25",
        });
    }

    /// <summary>Sends each request to the other replica than the one before (the path, and so the signature, unchanged).</summary>
    private sealed class AlternatingReplicas(Uri first, Uri second) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _next;

        public int[] Sent { get; } = new int[2];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var index = Interlocked.Increment(ref _next) % 2;
            Interlocked.Increment(ref Sent[index]);
            var target = index == 0 ? first : second;
            request.RequestUri = new UriBuilder(request.RequestUri!) { Host = target.Host, Port = target.Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
