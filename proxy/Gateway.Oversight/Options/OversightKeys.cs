namespace Gateway.Oversight.Options;

/// <summary>
/// Key material the host passes in (never read from this library's configuration): the decision signing key (decision
/// tokens), the gateway's service key, which signs incident webhooks like every gateway→upstream call, and the gateway
/// root key, a key only the gateway holds (its active data-encryption key, never the decision signing key that executors
/// and webhook receivers hold), from which the warrant key (<see cref="Approvals.WarrantSigner"/>) and the decision token
/// binding (<see cref="Gateway.Policy.Tokens.DecisionTokenBinding"/>) are derived.
/// </summary>
public sealed class OversightKeys
{
    /// <summary>Minimum key length in bytes.</summary>
    public const int MinimumKeyBytes = 32;

    public OversightKeys(ReadOnlyMemory<byte> decisionSigningKey, ReadOnlyMemory<byte> serviceKey, ReadOnlyMemory<byte> gatewayRootKey)
    {
        DecisionSigningKey = decisionSigningKey.ToArray();
        ServiceKey = serviceKey.ToArray();
        GatewayRootKey = gatewayRootKey.ToArray();
    }

    /// <summary>The decision signing key (decision tokens; shared with the verifiers of decision tokens).</summary>
    public ReadOnlyMemory<byte> DecisionSigningKey { get; }

    /// <summary>The gateway's service key for signed outgoing calls (agent line <c>gateway</c>).</summary>
    public ReadOnlyMemory<byte> ServiceKey { get; }

    /// <summary>The key the warrant key and the decision token binding are derived from (never used directly): the gateway's active data-encryption key.</summary>
    public ReadOnlyMemory<byte> GatewayRootKey { get; }

    /// <summary>True when the gateway root key is none of the keys others hold (the decision signing key, the service key).</summary>
    internal bool GatewayRootKeyIsSeparate =>
        !GatewayRootKey.Span.SequenceEqual(DecisionSigningKey.Span) && !GatewayRootKey.Span.SequenceEqual(ServiceKey.Span);

    internal IEnumerable<string> Validate(bool webhookConfigured)
    {
        if (DecisionSigningKey.Length < MinimumKeyBytes)
        {
            yield return $"The decision signing key passed to AddGatewayOversight must be at least {MinimumKeyBytes} bytes.";
        }

        if (GatewayRootKey.Length < MinimumKeyBytes)
        {
            yield return $"The gateway root key passed to AddGatewayOversight must be at least {MinimumKeyBytes} bytes.";
        }
        else if (!GatewayRootKeyIsSeparate)
        {
            yield return "The gateway root key passed to AddGatewayOversight must be a key only the gateway holds, not the decision signing or service key.";
        }

        if (webhookConfigured && ServiceKey.Length < MinimumKeyBytes)
        {
            yield return $"Gateway:Incidents:WebhookUrl is set, so the service key must be at least {MinimumKeyBytes} bytes.";
        }
    }
}
