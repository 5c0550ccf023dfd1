using Gateway.Connectors.Vault;

namespace Gateway.Proxy.Security;

/// <summary>
/// The gateway's three keys, separated by purpose: the data-encryption key ring (the credential
/// vault, and the keys derived from it for what only the gateway reads: approval warrants, access tokens, MCP session
/// bindings), the decision-signing key (decision tokens) and the service key (the gateway's own
/// signed calls to executors and webhooks). No two are equal; none is ever logged.
/// </summary>
public sealed class GatewayKeys
{
    public const string DecisionSigningKeyVariable = "DECISION_SIGNING_KEY";
    public const string ServiceKeyVariable = "GATEWAY_SERVICE_KEY";

    public GatewayKeys(EncryptionKeyRing dataKeys, ReadOnlyMemory<byte> decisionSigningKey, ReadOnlyMemory<byte> serviceKey, bool ephemeral)
    {
        DataKeys = dataKeys;
        DecisionSigningKey = decisionSigningKey;
        ServiceKey = serviceKey;
        Ephemeral = ephemeral;
    }

    public EncryptionKeyRing DataKeys { get; }

    public ReadOnlyMemory<byte> DecisionSigningKey { get; }

    public ReadOnlyMemory<byte> ServiceKey { get; }

    /// <summary>Development only: some keys were generated locally rather than configured.</summary>
    public bool Ephemeral { get; }

    public override string ToString() => $"GatewayKeys(data key {DataKeys.ActiveKeyId}, ephemeral: {Ephemeral})";
}
