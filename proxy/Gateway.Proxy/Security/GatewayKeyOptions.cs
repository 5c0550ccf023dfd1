using Gateway.Connectors.Vault;

namespace Gateway.Proxy.Security;

/// <summary>
/// The gateway's keys as configured (environment variables at the configuration's root: <c>DATA_ENCRYPTION_KEY</c>,
/// <c>DATA_ENCRYPTION_KEYS_RETIRED</c>, <c>DECISION_SIGNING_KEY</c>, <c>GATEWAY_SERVICE_KEY</c>): bound before the container
/// exists by <see cref="GatewayKeysLoader"/>, which checks them (required outside Development, their length and encoding).
/// </summary>
public sealed class GatewayKeyOptions
{
    [ConfigurationKeyName(DataEncryptionKey.EnvironmentVariable)]
    public string? DataKey { get; set; }

    [ConfigurationKeyName(DataEncryptionKey.RetiredEnvironmentVariable)]
    public string? RetiredDataKeys { get; set; }

    [ConfigurationKeyName(GatewayKeys.DecisionSigningKeyVariable)]
    public string? DecisionSigningKey { get; set; }

    [ConfigurationKeyName(GatewayKeys.ServiceKeyVariable)]
    public string? ServiceKey { get; set; }

    /// <summary>The value configured under the variable <paramref name="name"/> (one of the four; null for any other).</summary>
    public string? ValueOf(string name) => name switch
    {
        DataEncryptionKey.EnvironmentVariable => DataKey,
        DataEncryptionKey.RetiredEnvironmentVariable => RetiredDataKeys,
        GatewayKeys.DecisionSigningKeyVariable => DecisionSigningKey,
        GatewayKeys.ServiceKeyVariable => ServiceKey,
        _ => null,
    };
}
