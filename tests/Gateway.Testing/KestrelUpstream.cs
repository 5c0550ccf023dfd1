using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Testing;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with an OS-assigned port, for tests that need an upstream.
/// <c>configure</c> maps the endpoints; <see cref="BaseUri"/> is where it listens.
/// </summary>
public sealed class KestrelUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelUpstream(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    /// <summary>For example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The application's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Builds, maps and starts the server.</summary>
    public static async Task<KestrelUpstream> StartAsync(Action<WebApplication> configure, Action<WebApplicationBuilder>? configureBuilder = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        configureBuilder?.Invoke(builder);
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        configure(app);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelUpstream(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>An absolute URI under the server.</summary>
    public Uri At(string relative) => new(BaseUri, relative.TrimStart('/'));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
