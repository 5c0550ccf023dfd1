using Microsoft.Extensions.Caching.Distributed;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The gateway's <see cref="Microsoft.Extensions.Caching.Hybrid.HybridCache"/>, for what replicas may share and
/// rebuild: exchanged person tokens (<c>People/ExchangedTokenCache.cs</c>), OpenID documents
/// (<c>People/SharedDocumentRetriever.cs</c>) and MCP servers' tool lists (<c>Gateway.Connectors.Mcp.McpToolListCache</c>).
/// In process always; on the Redis store its distributed tier is <see cref="StoreRedisDistributedCache"/>, so the
/// replicas share one copy.
/// </summary>
internal static class SharedCacheHosting
{
    public static IServiceCollection AddGatewaySharedCache(this IServiceCollection services, bool embedded)
    {
        services.AddHybridCache();
        if (!embedded)
        {
            services.AddSingleton<IDistributedCache, StoreRedisDistributedCache>();
        }

        return services;
    }
}
