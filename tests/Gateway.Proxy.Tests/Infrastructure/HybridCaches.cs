using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The real <see cref="Microsoft.Extensions.Caching.Hybrid.HybridCache"/>, as the gateway registers it.</summary>
internal static class HybridCaches
{
    /// <summary>A container holding the cache, over <paramref name="distributed"/> when given (in process only otherwise).</summary>
    public static ServiceProvider Services(IDistributedCache? distributed)
    {
        var services = new ServiceCollection();
        if (distributed is not null)
        {
            services.AddSingleton(distributed);
        }

        services.AddHybridCache();
        return services.BuildServiceProvider();
    }
}
