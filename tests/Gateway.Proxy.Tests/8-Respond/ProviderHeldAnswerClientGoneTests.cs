using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using KestrelUpstream = Gateway.Proxy.Tests.Infrastructure.KestrelUpstream;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A provider's JSON answer, held whole by the redactor and flushed to the agent only once it is redacted: an agent that
/// resets its connection while that flush is under way did not get the answer, and its outcome says so (502, as any answer
/// the client went away from mid-stream), never a 200 delivered.
/// </summary>
public sealed class ProviderHeldAnswerClientGoneTests : IAsyncLifetime
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    /// <summary>About 3 MiB of JSON, each item with an e-mail address to redact: far more than the socket buffers hold.</summary>
    private static readonly byte[] Answer = HeldAnswer();

    private KestrelUpstream _upstream = null!;
    private GovernedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await KestrelUpstream.StartAsync(app => app.MapGet("/held/{mode}", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = Answer.Length;
            await context.Response.Body.WriteAsync(Answer);
        }));
        _gateway = await GovernedGateway.StartAsync(text => text
            .Replace("catalog:\n", $$"""
                catalog:
                  - { name: held, kind: http, action_type: read, target_system: held, upstream: "{{_upstream.Origin}}/held", credential: "vault:tickets-token", http: { method: GET, path: "/{mode}", args: query }, input_schema: { type: object, properties: { mode: { type: string } }, required: [mode] } }

                """.Replace("\r", string.Empty), StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: held }\n", StringComparison.Ordinal),
            configure: SmallSendBuffers);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Providers_ClientResetsWhileTheHeldAnswerIsFlushed_OutcomeIsNotDelivered()
    {
        using var signed = _gateway.Agent.Create(HttpMethod.Get, "/providers/held/big");
        var server = _gateway.Host.BaseAddress;

        // A small receive window that is never read past the head: the flush of the held answer cannot finish before the reset.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(server.Host, server.Port);
        await socket.SendAsync(Head(signed, server.Authority), SocketFlags.None);
        var head = await ReadHeadAsync(socket);
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();

        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        var requestId = RequestIdOf(head);
        var records = await Eventually.ReturnsAsync(
            () => _gateway.AuditRecordsAsync(requestId),
            static found => found.Count == 2, GiveUp, found => $"{found?.Count} records of the request, no outcome after the decision");
        var outcome = records[1];
        Assert.True(outcome.GetProperty("invoked").GetBoolean());
        Assert.Equal(200, outcome.GetProperty("upstream_status").GetInt32());
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
    }

    /// <summary>
    /// The gateway's connections with a fixed, small send buffer (inherited from the listening socket), as an agent across a
    /// network sees it: on loopback the kernel would otherwise grow it to megabytes and take the whole held answer at once.
    /// </summary>
    private static void SmallSendBuffers(WebApplicationBuilder builder) =>
        builder.Services.Configure<SocketTransportOptions>(options => options.CreateBoundListenSocket = endpoint =>
        {
            var listener = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            listener.SendBufferSize = 16 * 1024;
            return listener;
        });

    /// <summary>The request's line, <c>Host</c> and headers, as the signed request carries them (it has no body).</summary>
    private static byte[] Head(HttpRequestMessage request, string host)
    {
        var target = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.PathAndQuery : request.RequestUri.OriginalString;
        var head = new StringBuilder().Append(request.Method.Method).Append(' ').Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(host).Append("\r\n");
        foreach (var header in request.Headers)
        {
            head.Append(header.Key).Append(": ").Append(string.Join(",", header.Value)).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(head.Append("\r\n").ToString());
    }

    /// <summary>The answer's status line and headers, read a byte at a time so that nothing of its body is taken.</summary>
    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        using var patience = new CancellationTokenSource(GiveUp);
        var received = new StringBuilder();
        var one = new byte[1];
        while (!received.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal)
            && await socket.ReceiveAsync(one, SocketFlags.None, patience.Token) == 1)
        {
            received.Append((char)one[0]);
        }

        return received.ToString();
    }

    private static string RequestIdOf(string head) =>
        head.Split("\r\n").Select(line => line.Split(':', 2)).Single(parts => parts[0].Equals("X-Request-Id", StringComparison.OrdinalIgnoreCase))[1].Trim();

    private static byte[] HeldAnswer()
    {
        var items = Enumerable.Range(0, 28_000).Select(i => new
        {
            id = i.ToString(CultureInfo.InvariantCulture),
            email = $"person{i}@example.com",
            note = $"write to person{i}@example.com about ticket {i}",
        });
        return JsonSerializer.SerializeToUtf8Bytes(new { items });
    }
}
