using System.Diagnostics.Metrics;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Proxy.Telemetry;

/// <summary>Registers the gateway's OpenTelemetry export (traces, metrics, logs over OTLP).</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The key under which the undecorated store stays registered (the container still owns and disposes it).</summary>
    internal const string UndecoratedStoreKey = "Gateway.Telemetry.UndecoratedStore";

    /// <summary>
    /// Adds OTLP export configured by the standard <c>OTEL_*</c> variables, read from
    /// <paramref name="configuration"/> when the host is built (so settings added after this call
    /// count), and decorates the registered <see cref="IStateStore"/> with store spans: call it after
    /// <c>AddGatewayStateStore</c>. Without an OTLP endpoint nothing is exported and no provider is
    /// built. Pair it with <c>app.UseGatewayTelemetry()</c> in the pipeline for the request span.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration (environment variables included).</param>
    /// <param name="environment">The host environment (its name becomes <c>deployment.environment.name</c>).</param>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);

        services.TryAddSingleton(_ => new GatewayTelemetryProviders(configuration, environment));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, GatewayOtlpLoggerProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, GatewayTelemetryLifetime>());
        DecorateStateStore(services);
        return services;
    }

    private static void DecorateStateStore(IServiceCollection services)
    {
        if (services.Any(static d => d.IsKeyedService && Equals(d.ServiceKey, UndecoratedStoreKey)))
        {
            return;
        }

        var original = services.LastOrDefault(static d => d.ServiceType == typeof(IStateStore) && !d.IsKeyedService);
        if (original is null)
        {
            return;
        }

        services.Remove(original);
        services.Add(original switch
        {
            { ImplementationInstance: { } instance } => new ServiceDescriptor(typeof(IStateStore), UndecoratedStoreKey, instance),
            { ImplementationFactory: { } factory } => new ServiceDescriptor(typeof(IStateStore), UndecoratedStoreKey, (sp, _) => factory(sp), original.Lifetime),
            _ => new ServiceDescriptor(typeof(IStateStore), UndecoratedStoreKey, original.ImplementationType!, original.Lifetime),
        });
        services.Add(new ServiceDescriptor(
            typeof(IStateStore),
            static sp => new TracingStateStore(sp.GetRequiredKeyedService<IStateStore>(UndecoratedStoreKey), sp.GetService<IMeterFactory>()),
            original.Lifetime));
    }
}
