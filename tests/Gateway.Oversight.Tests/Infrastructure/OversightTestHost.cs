using Gateway.Oversight.Approvals;
using Gateway.Oversight.Register;
using Gateway.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Tests.Infrastructure;

/// <summary>A started host with the oversight services (<c>AddGatewayOversight</c>) and their background jobs, over an in-memory store.</summary>
internal sealed class OversightTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private OversightTestHost(IHost host, IStateStore store)
    {
        _host = host;
        Store = store;
    }

    public IStateStore Store { get; }

    /// <summary>
    /// Starts the host over <paramref name="store"/> (else a new in-memory one), with <paramref name="time"/> and <paramref name="services"/>
    /// registered before the oversight's own and <paramref name="after"/> after them (the approval notifications).
    /// </summary>
    public static async Task<OversightTestHost> StartAsync(
        IDictionary<string, string?>? configuration = null,
        IStateStore? store = null,
        TimeProvider? time = null,
        Action<IServiceCollection>? services = null,
        Action<IServiceCollection, IConfiguration>? after = null)
    {
        store ??= new InMemoryStateStore();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(configuration ?? new Dictionary<string, string?>()) { ["Gateway:Audit:Sink"] = "store" });
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<IRegisterDirectory>(new TestRegister());
        // No console users, no admin tokens: nobody is suspended and no vote's credential is revoked (AddGatewayAdmin registers the real ones).
        var voters = new TestServices.Voters();
        builder.Services.AddSingleton<IPersonSuspensions>(voters);
        builder.Services.AddSingleton<IVotingCredentials>(voters);
        services?.Invoke(builder.Services);
        builder.Services.AddGatewayOversight(builder.Configuration, _ => TestKeys.Keys);
        after?.Invoke(builder.Services, builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return new OversightTestHost(host, store);
    }

    public T Get<T>()
        where T : notnull => _host.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
