using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the gateway's <see cref="Gateway.Store.IStateStore"/> from configuration.</summary>
public static class StateStoreServiceCollectionExtensions
{
    /// <summary>The configuration section read by <see cref="AddGatewayStateStore"/>.</summary>
    public const string SectionName = "Gateway:Store";

    /// <summary>
    /// Registers <see cref="Gateway.Store.IStateStore"/> and <see cref="Caching.Distributed.IDistributedCache"/>
    /// as singletons chosen by <c>Gateway:Store:Kind</c>: <c>memory</c> (the default; the in-memory
    /// distributed cache; durable through a journal in <c>Gateway:Store:Memory:Directory</c> when that is set) or <c>redis</c>, the latter configured by <c>Gateway:Store:Redis:*</c>
    /// (<see cref="Gateway.Store.RedisStoreOptions"/>, validated at start-up with every error listed),
    /// with the store and the StackExchange.Redis cache sharing the process's one
    /// <see cref="Gateway.Store.RedisConnection"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration root (the section is looked up in it).</param>
    public static IServiceCollection AddGatewayStateStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        var kind = section["Kind"];
        services.TryAddSingleton(TimeProvider.System);

        if (string.IsNullOrWhiteSpace(kind) || string.Equals(kind, "memory", StringComparison.OrdinalIgnoreCase))
        {
            // With Memory:Directory the embedded store keeps a journal there, so its state survives a restart.
            var directory = section["Memory:Directory"];
            services.AddSingleton<Gateway.Store.IStateStore>(sp => string.IsNullOrWhiteSpace(directory)
                ? new Gateway.Store.InMemoryStateStore(sp.GetRequiredService<TimeProvider>())
                : Gateway.Store.InMemoryStateStore.OpenDurable(directory, sp.GetRequiredService<TimeProvider>()));
            services.AddDistributedMemoryCache();
            return services;
        }

        if (!string.Equals(kind, "redis", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{SectionName}:Kind '{kind}' is not supported; use 'memory' or 'redis'.");
        }

        services.AddOptions<Gateway.Store.RedisStoreOptions>()
            .Bind(section.GetSection("Redis"))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Gateway.Store.RedisStoreOptions>, Gateway.Store.RedisStoreOptionsValidator>());
        services.AddSingleton(static sp => new Gateway.Store.RedisConnection(
            sp.GetRequiredService<IOptions<Gateway.Store.RedisStoreOptions>>().Value,
            sp.GetService<ILoggerFactory>()));
        services.AddSingleton<Gateway.Store.IStateStore>(static sp => new Gateway.Store.RedisStateStore(
            sp.GetRequiredService<Gateway.Store.RedisConnection>(),
            sp.GetService<IMeterFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddStackExchangeRedisCache(static _ => { });
        services.AddOptions<Caching.StackExchangeRedis.RedisCacheOptions>()
            .Configure<Gateway.Store.RedisConnection>(static (cache, connection) =>
            {
                cache.InstanceName = Gateway.Store.StoreKeys.Prefix + "cache:";
                cache.ConnectionMultiplexerFactory = async () => await connection.GetMultiplexerAsync().ConfigureAwait(false);
            });
        return services;
    }
}
