using Gateway.Policy;
using Gateway.Policy.Tokens;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// A client assertion (RFC 7523 §3): a JWT the agent signs so that nothing secret is ever sent — HS256 with its runtime
/// secret (<c>client_secret_jwt</c> of OpenID Connect Core §9), or, for an agent registered with a public key, with its
/// private key (<c>private_key_jwt</c>: EdDSA for Ed25519, ES256 for P-256). <c>iss</c> and <c>sub</c> are the
/// <c>client_id</c> (<c>tenant/workspace/agent</c>), <c>aud</c> the issuer or the token endpoint, <c>exp</c> at most
/// <see cref="MaxLifetime"/> ahead, and a <c>jti</c> the caller uses once. The signature is checked by the caller
/// against the agent's secret or key (<see cref="AccessTokenClient.SignedBy"/>).
/// </summary>
public sealed class ClientAssertion
{
    /// <summary>The <c>client_assertion_type</c> of a JWT assertion.</summary>
    public const string Type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>The JWS algorithms an assertion may be signed with: HS256 (a runtime secret), EdDSA and ES256 (a registered key).</summary>
    public static readonly IReadOnlyList<string> Algorithms = ["HS256", "EdDSA", "ES256"];

    /// <summary>The furthest ahead an assertion's <c>exp</c> may be.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    private const int MaxLength = 4096;
    private const int MaxJtiLength = 256;

    private ClientAssertion(CompactJws jws, AuthenticatedCaller subject, string jti)
    {
        Jws = jws;
        Subject = subject;
        Jti = jti;
    }

    public CompactJws Jws { get; }

    public AuthenticatedCaller Subject { get; }

    public string Jti { get; }

    /// <summary>Reads and checks everything but the signature; null with the problem when it cannot be accepted.</summary>
    public static ClientAssertion? Read(string? text, IReadOnlyList<string> audiences, DateTimeOffset now, TimeSpan skew, out string problem)
    {
        if (!CompactJws.TryParse(text, MaxLength, out var jws) || jws is null || !Algorithms.Contains(jws.Algorithm))
        {
            problem = "The client assertion must be a JWT signed HS256 with the agent's runtime secret, or EdDSA (Ed25519) or ES256 (P-256) with its registered key.";
            return null;
        }

        var issuer = jws.ClaimString("iss");
        if (issuer is null || jws.ClaimString("sub") != issuer || !OAuthClientId.TryParse(issuer, out var subject) || subject is null)
        {
            problem = "The client assertion's iss and sub must both be the client_id tenant/workspace/agent.";
            return null;
        }

        if (!audiences.Any(jws.HasAudience))
        {
            problem = "The client assertion's aud must be the gateway's issuer or token endpoint.";
            return null;
        }

        var seconds = now.ToUnixTimeSeconds();
        if (jws.ClaimSeconds("exp") is not { } exp || exp <= seconds || exp > seconds + (long)(MaxLifetime + skew).TotalSeconds
            || (jws.ClaimSeconds("iat") is { } iat && iat > seconds + (long)skew.TotalSeconds))
        {
            problem = $"The client assertion has expired, or its exp is more than {MaxLifetime.TotalMinutes:0} minutes ahead.";
            return null;
        }

        var jti = jws.ClaimString("jti");
        if (string.IsNullOrEmpty(jti) || jti.Length > MaxJtiLength)
        {
            problem = $"The client assertion needs a jti of 1 to {MaxJtiLength} characters (each is accepted once).";
            return null;
        }

        problem = string.Empty;
        return new ClientAssertion(jws, subject, jti);
    }
}
