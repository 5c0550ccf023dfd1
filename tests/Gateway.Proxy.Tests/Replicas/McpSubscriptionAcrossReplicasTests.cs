using System.Net;
using System.Threading.Channels;
using Gamut.Agent;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A resource subscription lives on the replica that took it, as long as its session: a session ended through another
/// replica (its record gone from the shared store) hears no more updates on the replica holding its subscription, and
/// that replica ends the session there, its <c>GET</c> stream closed.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class McpSubscriptionAcrossReplicasTests : IAsyncLifetime
{
    private const string Note = "note://shared-plan";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private McpTestServer _notes = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _notes = await McpTestServer.StartAsync(("find", "Finds notes."));
        _cluster = await ReplicaCluster.StartAsync(2, rewrite: text => text
            .Replace("catalog:\n", $$"""
                catalog:
                  - { name: notes, kind: mcp, action_type: read, target_system: notes, upstream: "{{_notes.Url}}", credential: none }

                """.Replace("\r", string.Empty), StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: notes }\n", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_notes?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task Subscription_SessionEndedThroughTheOtherReplica_HearsNoMoreUpdatesAndItsStreamCloses()
    {
        var stream = new StreamWatch(new SocketsHttpHandler());
        await using var client = await ConnectAsync(_cluster[1].BaseAddress, stream);
        var updates = Channel.CreateUnbounded<string>();
        // Not disposed: once the session is ended, its unsubscribe is unknown like its every request.
        _ = await client.SubscribeToResourceAsync(UriOf(Note), (updated, _) => updates.Writer.WriteAsync(updated.Uri));
        await _notes.UpdatedAsync(Note);
        using (var wait = new CancellationTokenSource(Within))
        {
            Assert.Equal(UriOf(Note), await updates.Reader.ReadAsync(wait.Token));
        }

        // The client ends its session through the other replica (a load balancer without sticky sessions).
        using var other = new HttpClient(new GamutSigningHandler(DemoAgent(_cluster[0].BaseAddress))) { BaseAddress = _cluster[0].BaseAddress };
        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/mcp");
        delete.Headers.TryAddWithoutValidation("Mcp-Session-Id", client.SessionId);
        delete.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
        using var ended = await other.SendAsync(delete);
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);

        // The next update finds the session ended: it hears nothing, the server is unsubscribed, and the session's stream closes.
        await _notes.UpdatedAsync(Note);
        await Eventually.HoldsAsync(() => _notes.Unsubscribed.Contains(Note), Within, "the server was not unsubscribed within 20 s: the ended session still hears the resource");
        await stream.Closed.WaitAsync(Within);
        Assert.False(updates.Reader.TryRead(out var heard), $"the ended session heard {heard}");
        Assert.False(_cluster[1].Services.GetRequiredService<McpServedSessions>().TryGet(client.SessionId!, out _), "the ended session still runs on the replica holding its subscription");
    }

    /// <summary>The <c>/mcp</c> URI of the notes server's <paramref name="note"/>.</summary>
    private static string UriOf(string note) => "gamut-mcp://notes/" + Uri.EscapeDataString(note);

    private GamutOptions DemoAgent(Uri replica) => new()
    {
        BaseUrl = replica.ToString(),
        Tenant = "demo",
        Workspace = "ws-demo",
        AgentId = "demo-agent",
        Secret = _cluster.Bundle.AgentSecret,
    };

    /// <summary>The official MCP client of <paramref name="replica"/>'s <c>/mcp</c>, returned once its GET stream is open.</summary>
    private async Task<McpClient> ConnectAsync(Uri replica, StreamWatch stream)
    {
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(replica, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            new HttpClient(new GamutSigningHandler(DemoAgent(replica), stream)),
            ownsHttpClient: true);
        var client = await McpClient.CreateAsync(transport, new McpClientOptions { ClientInfo = new Implementation { Name = "replica-subscription-tests", Version = "1.0" }, ProtocolVersion = "2025-11-25" });
        await stream.Open.WaitAsync(Within);
        return client;
    }

    /// <summary>Watches the client's first <c>GET</c> stream: open once its answer's headers came, closed once its body ended.</summary>
    private sealed class StreamWatch(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Open => _open.Task;

        public Task Closed => _closed.Task;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && response.IsSuccessStatusCode && _open.TrySetResult())
            {
                var body = new EndWatch(await response.Content.ReadAsStreamAsync(cancellationToken), _closed);
                var watched = new StreamContent(body);
                foreach (var (name, values) in response.Content.Headers)
                {
                    watched.Headers.TryAddWithoutValidation(name, values);
                }

                response.Content = watched;
            }

            return response;
        }
    }

    /// <summary>A response body that completes <paramref name="ended"/> once a read finds its end (or fails).</summary>
    private sealed class EndWatch(Stream body, TaskCompletionSource ended) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                var read = await body.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    ended.TrySetResult();
                }

                return read;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                ended.TrySetResult();
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                body.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
