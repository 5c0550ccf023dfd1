namespace Gamut.Agent.Upstream;

/// <summary>
/// Settings of <see cref="GatewayDecisionTokenVerifier"/>. <see cref="ToString"/> leaves out <see cref="ExecutorToken"/>.
/// </summary>
public sealed record GatewayDecisionTokenVerifierOptions
{
    /// <summary>The longest a live answer may be cached.</summary>
    public static readonly TimeSpan MaxLiveCacheDuration = TimeSpan.FromSeconds(5);

    /// <summary>The gateway's base URL (<c>https://gateway.example</c>); the verifier posts to <c>/v1/decision-tokens/verify</c> under it.</summary>
    public required Uri GatewayUrl { get; init; }

    /// <summary>The executor's admin-API token (role <c>executor</c>), sent as <c>Authorization: Bearer</c>. Never an agent's secret.</summary>
    public required string ExecutorToken { get; init; }

    /// <summary>How long a live answer is reused for the same token id: default 2 s, at most 5 s, zero asks the gateway every time.</summary>
    public TimeSpan LiveCacheDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for the gateway's answer before reporting <see cref="DecisionTokenStatus.Unavailable"/> (default 2 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The offline check's tolerance for clock differences (default 5 s, at most 60 s).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Lets a plain-http <see cref="GatewayUrl"/> name a host other than loopback (refused otherwise). Only where that network is trusted.</summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>Every problem (empty when valid); the messages never contain the token.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (GatewayUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add("the gateway URL must be an absolute http(s) URL.");
        }
        else if (GamutOptions.IsInsecureHttp(url, AllowInsecureHttp))
        {
            errors.Add($"the gateway URL is plain http:// to {url.Host}, a host other than loopback: the executor token and the tokens verified would cross the network in clear. " +
                "Use https://, or set AllowInsecureHttp = true only where that network is trusted (e.g. a cluster-internal Service).");
        }

        if (string.IsNullOrWhiteSpace(ExecutorToken))
        {
            errors.Add("the executor token is required.");
        }

        if (LiveCacheDuration < TimeSpan.Zero || LiveCacheDuration > MaxLiveCacheDuration)
        {
            errors.Add("the live cache duration must be between 0 and 5 seconds.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            errors.Add("the timeout must be positive.");
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromSeconds(60))
        {
            errors.Add("the clock skew must be between 0 and 60 seconds.");
        }

        return errors;
    }

    /// <summary>The settings without the credential.</summary>
    public override string ToString() =>
        $"{nameof(GatewayDecisionTokenVerifierOptions)} {{ GatewayUrl = {GatewayUrl}, LiveCacheDuration = {LiveCacheDuration}, Timeout = {Timeout}, ClockSkew = {ClockSkew}, AllowInsecureHttp = {AllowInsecureHttp} }}";
}
