using System.Collections.Concurrent;
using System.Threading.Channels;
using Gateway.Connectors.Signing;
using Gateway.Policy.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Tests.Infrastructure;

/// <summary>
/// A real Kestrel webhook receiver that verifies the gateway's signature with the
/// <see cref="CanonicalRequest"/> helpers, answering 503 to the first <c>failFirst</c> calls; the nonce of every call,
/// refused or not, is noted.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>();
    private readonly ConcurrentQueue<string> _nonces = new();
    private int _remainingFailures;
    private int _attempts;

    private WebhookReceiver(WebApplication app, int failFirst)
    {
        _app = app;
        _remainingFailures = failFirst;
    }

    public Uri Url => new(new Uri(_app.Urls.First()), "/hooks/incidents?source=gateway");

    /// <summary>Calls received (counted atomically: a deliverer sends several at once).</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>The nonce header of every call received, in arrival order (empty for a call without one).</summary>
    public IReadOnlyCollection<string> Nonces => _nonces;

    public static async Task<WebhookReceiver> StartAsync(byte[] key, int failFirst = 0)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, failFirst);
        app.MapPost("/hooks/incidents", async (HttpContext context) =>
        {
            receiver._nonces.Enqueue(context.Request.Headers[SignatureHeaders.Nonce].ToString());
            Interlocked.Increment(ref receiver._attempts);
            if (Interlocked.Decrement(ref receiver._remainingFailures) >= 0)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var h = context.Request.Headers;
            var canonical = CanonicalRequest.Build(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                h[SignatureHeaders.Tenant].ToString(),
                h[SignatureHeaders.Workspace].ToString(),
                h[SignatureHeaders.Agent].ToString(),
                h[SignatureHeaders.Timestamp].ToString(),
                h[SignatureHeaders.Nonce].ToString(),
                CanonicalRequest.HashBody(body));
            var valid = CanonicalRequest.Verify(new HmacKey(key), canonical, h[SignatureHeaders.Signature].ToString());
            await receiver._deliveries.Writer.WriteAsync(new Delivery(valid, h[SignatureHeaders.Agent].ToString(), h[SignatureHeaders.Tenant].ToString(), h[SignatureHeaders.Nonce].ToString(), body));
            return valid ? Results.Ok() : Results.Unauthorized();
        });
        await app.StartAsync();
        return receiver;
    }

    public async Task<Delivery> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        return await _deliveries.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed record Delivery(bool SignatureValid, string Agent, string Tenant, string Nonce, byte[] Body);
}
