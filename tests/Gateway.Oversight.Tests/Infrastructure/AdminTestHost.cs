using System.Net.Http.Headers;
using Gateway.Oversight.Admin;
using Gateway.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Tests.Infrastructure;

/// <summary>A real Kestrel host on 127.0.0.1:0 with the oversight services and <c>MapGatewayAdmin()</c>.</summary>
internal sealed class AdminTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminTestHost(WebApplication app, IStateStore store)
    {
        _app = app;
        Store = store;
        BaseAddress = new Uri(app.Urls.First());
    }

    public Uri BaseAddress { get; }

    public IStateStore Store { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<AdminTestHost> StartAsync(
        IStateStore? store = null,
        Action<IServiceCollection>? configureServices = null,
        IDictionary<string, string?>? configuration = null)
    {
        store ??= new InMemoryStateStore();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Admin:BootstrapTokenSha256"] = AdminTokenService.HashToken(TestKeys.BootstrapToken),
            ["Gateway:Audit:Sink"] = "store",
        };
        foreach (var pair in configuration ?? new Dictionary<string, string?>())
        {
            settings[pair.Key] = pair.Value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(store);
        builder.Services.AddGatewayOversight(builder.Configuration, _ => TestKeys.Keys);
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGatewayAdmin();
        await app.StartAsync();
        return new AdminTestHost(app, store);
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<string> IssueTokenAsync(string name, params string[] roles)
    {
        var outcome = await _app.Services.GetRequiredService<AdminTokenService>().IssueAsync(name, roles);
        return outcome.Issued?.Token ?? throw new InvalidOperationException(outcome.Code);
    }

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
