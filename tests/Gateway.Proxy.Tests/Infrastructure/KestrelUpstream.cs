using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on a free loopback port standing in for a provider or tool API. It records
/// every request it receives (method, target, headers, body) so tests can assert what was forwarded.
/// </summary>
public sealed class KestrelUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelUpstream(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>"http://127.0.0.1:port" without a trailing slash.</summary>
    public string Origin => BaseAddress.GetLeftPart(UriPartial.Authority);

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public static async Task<KestrelUpstream> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        KestrelUpstream? upstream = null;
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
            var body = await reader.ReadToEndAsync().ConfigureAwait(false);
            context.Request.Body.Position = 0;
            upstream!.Received.Enqueue(new ReceivedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body));
            await next(context).ConfigureAwait(false);
        });
        map(app);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        upstream = new KestrelUpstream(app, new Uri(address));
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One request as an upstream received it.</summary>
public sealed record ReceivedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body);
