namespace Gamut.Agent.Upstream;

/// <summary>The outcome of verifying a gateway-signed request.</summary>
/// <param name="IsValid">True when the request may be acted on.</param>
/// <param name="Failure">Why not: <c>missing_header</c>, <c>malformed_header</c>, <c>wrong_agent</c>, <c>stale_timestamp</c>, <c>bad_signature</c>, <c>replayed_nonce</c>.</param>
public sealed record WebhookVerification(bool IsValid, string? Failure)
{
    /// <summary>The valid outcome.</summary>
    public static WebhookVerification Valid { get; } = new(true, null);

    /// <summary>A refusal.</summary>
    public static WebhookVerification Refused(string failure) => new(false, failure);
}
