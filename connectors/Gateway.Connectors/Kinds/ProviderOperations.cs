using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// The operation a provider-native request on <c>/providers/{connector}/…</c> is, as the connector's
/// kind declares it (<see cref="ConnectorType.MatchOperation"/>): a method and a path relative to the
/// connector's upstream map to the operation policy decides on, or to none, and then the request is refused.
/// </summary>
public static class ProviderOperations
{
    /// <summary>The operation <paramref name="method"/> on <paramref name="segments"/> is, or null when none is declared.</summary>
    public static ProviderOperation? Match(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments)
    {
        ArgumentNullException.ThrowIfNull(connector);
        return connector.Type().MatchOperation(tenant, connector, method, segments);
    }
}
