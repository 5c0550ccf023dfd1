namespace Gateway.Oversight.Options;

/// <summary>
/// Key material the host passes in (never read from this library's configuration): the decision signing key (decision
/// tokens), the gateway's service key, which signs incident webhooks like every gateway→upstream call, and the warrant
/// root key, from which the warrant key is derived (<see cref="Approvals.WarrantSigner"/>): a key only the gateway holds,
/// the active data-encryption key, never the decision signing key that executors and webhook receivers hold.
/// </summary>
public sealed class OversightKeys
{
    /// <summary>Minimum key length in bytes.</summary>
    public const int MinimumKeyBytes = 32;

    public OversightKeys(ReadOnlyMemory<byte> decisionSigningKey, ReadOnlyMemory<byte> serviceKey, ReadOnlyMemory<byte> warrantRootKey)
    {
        DecisionSigningKey = decisionSigningKey.ToArray();
        ServiceKey = serviceKey.ToArray();
        WarrantRootKey = warrantRootKey.ToArray();
    }

    /// <summary>The decision signing key (decision tokens; shared with the verifiers of decision tokens).</summary>
    public ReadOnlyMemory<byte> DecisionSigningKey { get; }

    /// <summary>The gateway's service key for signed outgoing calls (agent line <c>gateway</c>).</summary>
    public ReadOnlyMemory<byte> ServiceKey { get; }

    /// <summary>The key the warrant key is derived from (never used directly): the gateway's active data-encryption key.</summary>
    public ReadOnlyMemory<byte> WarrantRootKey { get; }

    /// <summary>True when the warrant root key is none of the keys others hold (the decision signing key, the service key).</summary>
    internal bool WarrantRootKeyIsSeparate =>
        !WarrantRootKey.Span.SequenceEqual(DecisionSigningKey.Span) && !WarrantRootKey.Span.SequenceEqual(ServiceKey.Span);

    internal IEnumerable<string> Validate(bool webhookConfigured)
    {
        if (DecisionSigningKey.Length < MinimumKeyBytes)
        {
            yield return $"The decision signing key passed to AddGatewayOversight must be at least {MinimumKeyBytes} bytes.";
        }

        if (WarrantRootKey.Length < MinimumKeyBytes)
        {
            yield return $"The warrant root key passed to AddGatewayOversight must be at least {MinimumKeyBytes} bytes.";
        }
        else if (!WarrantRootKeyIsSeparate)
        {
            yield return "The warrant root key passed to AddGatewayOversight must be a key only the gateway holds, not the decision signing or service key.";
        }

        if (webhookConfigured && ServiceKey.Length < MinimumKeyBytes)
        {
            yield return $"Gateway:Incidents:WebhookUrl is set, so the service key must be at least {MinimumKeyBytes} bytes.";
        }
    }
}
