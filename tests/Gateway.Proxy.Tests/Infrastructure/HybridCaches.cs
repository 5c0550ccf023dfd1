using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The real <see cref="Microsoft.Extensions.Caching.Hybrid.HybridCache"/>, as the gateway registers it.</summary>
internal static class HybridCaches
{
    /// <summary>
    /// A container holding the cache, over <paramref name="distributed"/> when given (in process only otherwise); the
    /// cache's own log (a failed Redis read or write) goes to <paramref name="logs"/> when given.
    /// </summary>
    public static ServiceProvider Services(IDistributedCache? distributed, ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(builder => builder.AddProvider(logs));
        }

        if (distributed is not null)
        {
            services.AddSingleton(distributed);
        }

        services.AddHybridCache();
        return services.BuildServiceProvider();
    }
}
