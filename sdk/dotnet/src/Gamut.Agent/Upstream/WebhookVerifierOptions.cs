namespace Gamut.Agent.Upstream;

/// <summary>Limits of <see cref="WebhookSignatureVerifier"/>.</summary>
public sealed record WebhookVerifierOptions
{
    /// <summary>Largest accepted distance between the timestamp and the receiver's clock.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>What a nonce must outlive beyond the timestamp window (clock reads and store expiry are not instantaneous).</summary>
    public static readonly TimeSpan NonceRetentionMargin = TimeSpan.FromSeconds(5);

    /// <summary>How long a nonce is remembered at least (at least twice the skew; see <see cref="AppliedNonceRetention"/>).</summary>
    public TimeSpan NonceRetention { get; init; } = TimeSpan.FromSeconds(605);

    /// <summary>How long a nonce is actually remembered: <see cref="NonceRetention"/>, never less than twice the skew plus <see cref="NonceRetentionMargin"/>.</summary>
    public TimeSpan AppliedNonceRetention => NonceRetention > (MaxClockSkew * 2) + NonceRetentionMargin ? NonceRetention : (MaxClockSkew * 2) + NonceRetentionMargin;

    /// <summary>The agent line expected (the gateway signs as <c>gateway</c>).</summary>
    public string ExpectedAgent { get; init; } = GatewayRequestHeaders.GatewayAgent;

    /// <summary>Every problem (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxClockSkew <= TimeSpan.Zero)
        {
            errors.Add("max clock skew must be positive.");
        }

        // Twice the skew is accepted, as before the margin; the margin is added where it is missing (AppliedNonceRetention).
        if (NonceRetention < MaxClockSkew * 2)
        {
            errors.Add("nonce retention must be at least twice the max clock skew, or a nonce could be forgotten while its timestamp is still accepted.");
        }

        if (string.IsNullOrWhiteSpace(ExpectedAgent))
        {
            errors.Add("expected agent is required.");
        }

        return errors;
    }
}
