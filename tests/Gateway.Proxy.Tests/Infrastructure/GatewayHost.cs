using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The real gateway host, on Kestrel on a free loopback port, configured per test.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _ownDataDirectory;

    private GatewayHost(WebApplication app, Uri baseAddress, string? ownDataDirectory)
    {
        _app = app;
        _ownDataDirectory = ownDataDirectory;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    /// <summary>A plain client for this gateway (requests must be signed by the caller).</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a gateway in <paramref name="environment"/>; <paramref name="map"/>, when given, maps test-only endpoints after the gateway's own.</summary>
    public static async Task<GatewayHost> StartAsync(string bundlePath, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null, string environment = "Development")
    {
        var config = new Dictionary<string, string?>
        {
            ["Gateway:Policy:BundlePath"] = bundlePath,
            ["Logging:LogLevel:Default"] = "Warning",

            // Outside Development the gateway refuses to start without a receipt key ring; a test host's may die with it.
            ["Gateway:Receipts:AllowEphemeralKeys"] = "true",

            // One audit chain per replica on any machine, so that a test reading its replica's chain reads every record
            // (the default follows the cores); a test of several chains sets it.
            ["Gateway:Audit:ChainsPerReplica"] = "1",

            // One test process holds many gateways; the process's trim gate would still let one trim a minute through among
            // them, every arena locked while it is walked, under other tests' timeouts; NativeHeapTrimmerTests cover the trimmer.
            ["Gateway:NativeHeap:TrimInterval"] = "00:00:00",
        };
        if (settings is not null)
        {
            foreach (var pair in settings)
            {
                config[pair.Key] = pair.Value;
            }
        }

        // A data directory of its own (the embedded store's journal, dev keys, the audit files): gateways
        // must not share one, within a run or across runs, or one's nonces replay in another.
        string? ownDataDirectory = null;
        if (!config.ContainsKey("Gateway:DataDirectory"))
        {
            ownDataDirectory = Directory.CreateTempSubdirectory("gateway-host-").FullName;
            config["Gateway:DataDirectory"] = ownDataDirectory;
        }

        // A caller may choose the address ("urls": replicas of one deployment name each other's). Outside Development the
        // gateway refuses to start without its public origin: the port is chosen here to name it.
        var urls = config.TryGetValue("urls", out var chosen) && chosen is not null ? chosen : "http://127.0.0.1:0";
        if (environment != "Development" && !config.ContainsKey("Gateway:AccessTokens:PublicBaseUrl"))
        {
            urls = "http://127.0.0.1:" + FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
            config["Gateway:AccessTokens:PublicBaseUrl"] = urls;
        }

        var app = GatewayApplication.Build(["--urls", urls, "--environment", environment], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            configure?.Invoke(builder);
        });
        map?.Invoke(app);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new GatewayHost(app, new Uri(address), ownDataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (_ownDataDirectory is not null)
        {
            Directory.Delete(_ownDataDirectory, recursive: true);
        }
    }
}
