using Gamut.Agent;
using Gateway.Proxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// One MCP session on <c>/mcp</c> served by two replicas in turn (a load balancer without sticky sessions, every
/// request to the other replica): the session opened on one is continued on the other from the shared Redis.
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

    private Task<McpClient> ConnectAsync(AlternatingReplicas alternate)
    {
        var signed = new HttpClient(new GamutSigningHandler(new GamutOptions
        {
            BaseUrl = _cluster[0].BaseAddress.ToString(),
            Tenant = "demo",
            Workspace = "ws-demo",
            AgentId = "demo-agent",
            Secret = _cluster.Bundle.AgentSecret,
        }, alternate));
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
