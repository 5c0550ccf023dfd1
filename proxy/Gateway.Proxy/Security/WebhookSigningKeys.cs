using System.Collections.Concurrent;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Security;

/// <summary>
/// The key that signs a tenant's webhook calls (<c>Gateway:Webhooks:Keys</c>): the tenant's own, derived from the service key
/// once per tenant (<see cref="WebhookKey"/>), or the service key itself. Empty when no service key is configured.
/// </summary>
internal sealed class WebhookSigningKeys
{
    private readonly ReadOnlyMemory<byte> _serviceKey;
    private readonly WebhookKeyScope _scope;
    private readonly ConcurrentDictionary<string, byte[]> _byTenant = new(StringComparer.Ordinal);

    public WebhookSigningKeys(GatewayKeys keys, IOptions<GatewayOptions> options)
    {
        _serviceKey = keys.ServiceKey;
        _scope = options.Value.Webhooks.Keys;
    }

    /// <summary>The key that signs <paramref name="tenant"/>'s webhook calls.</summary>
    public ReadOnlyMemory<byte> For(string tenant) =>
        _scope == WebhookKeyScope.Shared || _serviceKey.IsEmpty
            ? _serviceKey
            : _byTenant.GetOrAdd(tenant, static (name, key) => WebhookKey.ForTenant(key.Span, name), _serviceKey);
}
