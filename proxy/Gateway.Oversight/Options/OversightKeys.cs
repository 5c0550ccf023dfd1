namespace Gateway.Oversight.Options;

/// <summary>
/// Key material the host passes in (never read from this library's configuration): the decision
/// signing key, from which the warrant key is derived with HKDF (info <c>gamut-warrant-v1</c>),
/// and the gateway's service key, which signs incident webhooks like every gateway→upstream call.
/// </summary>
public sealed class OversightKeys
{
    /// <summary>Minimum key length in bytes.</summary>
    public const int MinimumKeyBytes = 32;

    public OversightKeys(ReadOnlyMemory<byte> decisionSigningKey, ReadOnlyMemory<byte> serviceKey)
    {
        DecisionSigningKey = decisionSigningKey.ToArray();
        ServiceKey = serviceKey.ToArray();
    }

    /// <summary>The decision signing key (the warrant key is derived from it, never used directly).</summary>
    public ReadOnlyMemory<byte> DecisionSigningKey { get; }

    /// <summary>The gateway's service key for signed outgoing calls (agent line <c>gateway</c>).</summary>
    public ReadOnlyMemory<byte> ServiceKey { get; }

    internal IEnumerable<string> Validate(bool webhookConfigured)
    {
        if (DecisionSigningKey.Length < MinimumKeyBytes)
        {
            yield return $"The decision signing key passed to AddGatewayOversight must be at least {MinimumKeyBytes} bytes.";
        }

        if (webhookConfigured && ServiceKey.Length < MinimumKeyBytes)
        {
            yield return $"Gateway:Incidents:WebhookUrl is set, so the service key must be at least {MinimumKeyBytes} bytes.";
        }
    }
}
