namespace Gamut.Agent.Upstream;

/// <summary>Limits of <see cref="WebhookSignatureVerifier"/>.</summary>
public sealed record WebhookVerifierOptions
{
    /// <summary>Largest accepted distance between the timestamp and the receiver's clock.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How long a nonce is remembered (must cover twice the skew).</summary>
    public TimeSpan NonceRetention { get; init; } = TimeSpan.FromSeconds(600);

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

        if (NonceRetention < MaxClockSkew * 2)
        {
            errors.Add("nonce retention must be at least twice the max clock skew.");
        }

        if (string.IsNullOrWhiteSpace(ExpectedAgent))
        {
            errors.Add("expected agent is required.");
        }

        return errors;
    }
}
