namespace Gateway.Oversight.AccessTokens;

/// <summary>
/// <c>Gateway:AccessTokens</c>: the OAuth access tokens the gateway issues to registered agents whose clients cannot
/// sign (MCP clients), validated at start-up.
/// </summary>
public sealed class AccessTokenOptions
{
    public const string SectionName = "Gateway:AccessTokens";

    /// <summary>The longest lifetime an access token may be given.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>
    /// The gateway's public origin as clients reach it (<c>https://gateway.example.com</c>, no path, query or trailing
    /// slash): the issuer, the token endpoint and every resource are spelled under it. Empty: the request's own scheme
    /// and host, which is right only when nothing between the client and the gateway rewrites them; set it in production.
    /// </summary>
    public string PublicBaseUrl { get; set; } = string.Empty;

    /// <summary>How long an issued access token lives (default 5 minutes, at most <see cref="MaxLifetime"/>).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);
}
