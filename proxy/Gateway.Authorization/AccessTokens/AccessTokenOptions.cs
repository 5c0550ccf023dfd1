namespace Gateway.Authorization.AccessTokens;

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
    /// slash): the issuer, the token endpoint, every resource, a signed request's <c>@target-uri</c> and the console's
    /// redirect URI are spelled under it. Required outside Development (the gateway refuses to start without it). Empty
    /// (Development only): see <see cref="PublicOrigin"/>, never a <c>Host</c> header nobody listed.
    /// </summary>
    public string PublicBaseUrl { get; set; } = string.Empty;

    /// <summary>
    /// Outside Development, allows an <c>http://</c> <see cref="PublicBaseUrl"/> on a host other than loopback (default
    /// false: refused at start-up): only where the network itself encrypts, such as a mesh with sidecar mTLS.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>
    /// Development without <see cref="PublicBaseUrl"/> only: further <c>host[:port]</c> names (beside the addresses the
    /// gateway listens on) under which a request's own scheme and <c>Host</c> may spell the public origin.
    /// </summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>How long an issued access token lives (default 5 minutes, at most <see cref="MaxLifetime"/>).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>GET /oauth/authorize</c> requests one client address may make a minute (default 60).</summary>
    public int AuthorizationsPerMinute { get; set; } = 60;

    /// <summary><c>POST /oauth/register</c> requests one client address may make a minute (default 20).</summary>
    public int RegistrationsPerMinute { get; set; } = 20;

    /// <summary>
    /// Whether a client ID metadata document may be fetched from an address that is not globally reachable (loopback,
    /// private, link-local, metadata: <c>Gateway.Connectors.Egress.InternalAddresses</c>). Default false: such a
    /// <c>client_id</c> is refused with <c>invalid_client</c> and nothing is fetched (server-side request forgery). True
    /// only where the clients' documents are served on an internal network (or a test's loopback server). While false the
    /// documents are fetched directly, never through a configured HTTP proxy (whose address the guard would check instead).
    /// </summary>
    public bool AllowInternalClientMetadataDocuments { get; set; }
}
