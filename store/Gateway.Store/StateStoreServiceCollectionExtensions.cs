using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the gateway's <see cref="Gateway.Store.IStateStore"/> from configuration.</summary>
public static class StateStoreServiceCollectionExtensions
{
    /// <summary>The configuration section read by <see cref="AddGatewayStateStore"/>.</summary>
    public const string SectionName = Gateway.Store.StateStoreOptions.SectionName;

    /// <summary>
    /// Registers <see cref="Gateway.Store.IStateStore"/> as a singleton chosen by <c>Gateway:Store:Kind</c>:
    /// <c>memory</c> (the default; durable through a journal in <c>Gateway:Store:Memory:Directory</c> when that is
    /// set; empty or blank outside Development only with <c>Gateway:Store:Memory:Volatile</c>, warned at start) or <c>redis</c>, the latter configured by <c>Gateway:Store:Redis:*</c>
    /// (<see cref="Gateway.Store.RedisStoreOptions"/>, validated at start-up with every error listed) over the
    /// process's one <see cref="Gateway.Store.RedisConnection"/>; the embedded store is also the <see cref="Gateway.Store.ILogRetirement"/>.
    /// The decision-token cache is this store: each
    /// token's record rides the admission's call (docs/decision-tokens.md), so no separate cache client is registered.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration root (the section is looked up in it).</param>
    public static IServiceCollection AddGatewayStateStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = Gateway.Store.StateStoreOptions.Read(configuration);
        services.AddOptions<Gateway.Store.StateStoreOptions>().Bind(configuration.GetSection(SectionName)).ValidateOnStart();
        // Outside Development (or with no host environment) the embedded store must keep a journal unless Memory:Volatile opts out.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Gateway.Store.StateStoreOptions>, Gateway.Store.StateStoreOptionsValidator>(
            static sp => new Gateway.Store.StateStoreOptionsValidator(requireDurable: !IsDevelopment(sp))));
        services.TryAddSingleton(TimeProvider.System);

        if (!options.IsRedis)
        {
            // With Memory:Directory the embedded store keeps a journal there, so its state survives a restart.
            var directory = options.Memory.Directory;
            var sealCharacters = options.Memory.LogSealCharacters;
            services.AddSingleton(sp => string.IsNullOrWhiteSpace(directory)
                ? new Gateway.Store.InMemoryStateStore(sp.GetRequiredService<TimeProvider>())
                : Gateway.Store.InMemoryStateStore.OpenDurable(directory, sp.GetRequiredService<TimeProvider>(), sealThresholdChars: sealCharacters));
            services.AddSingleton<Gateway.Store.IStateStore>(static sp => sp.GetRequiredService<Gateway.Store.InMemoryStateStore>());

            // Its logs retire their first entries (audit retention), whatever decorates the IStateStore.
            services.AddSingleton<Gateway.Store.ILogRetirement>(static sp => sp.GetRequiredService<Gateway.Store.InMemoryStateStore>());
            if (string.IsNullOrWhiteSpace(directory) && options.Memory.Volatile)
            {
                services.AddHostedService<Gateway.Store.VolatileStateStoreWarning>();
            }

            return services;
        }

        services.AddOptions<Gateway.Store.RedisStoreOptions>()
            .Bind(configuration.GetSection(SectionName + ":Redis"))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Gateway.Store.RedisStoreOptions>, Gateway.Store.RedisStoreOptionsValidator>(
            static sp => new Gateway.Store.RedisStoreOptionsValidator(development: IsDevelopment(sp))));
        services.AddSingleton(static sp => new Gateway.Store.RedisConnection(
            sp.GetRequiredService<IOptions<Gateway.Store.RedisStoreOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Gateway.Store.IStateStore>(static sp => new Gateway.Store.RedisStateStore(
            sp.GetRequiredService<Gateway.Store.RedisConnection>(),
            sp.GetService<IMeterFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    // The host's environment; none registered counts as Production (the host's own default).
    private static bool IsDevelopment(IServiceProvider services) => services.GetService<IHostEnvironment>()?.IsDevelopment() == true;
}
