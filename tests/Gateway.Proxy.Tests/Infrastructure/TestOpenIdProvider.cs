using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// An OpenID provider on a real Kestrel server on loopback: its discovery document and JWKS (real RSA and EC keys, which
/// it can rotate or stop serving), the identity tokens it issues, signed with those keys, and a token endpoint whose
/// answer a test sets (RFC 8693 token exchange: the request is recorded). The token exchange against a full provider is
/// the Node suite's (oidc-provider); this one exists to make the provider misbehave on cue.
/// </summary>
public sealed class TestOpenIdProvider : IAsyncDisposable
{
    public const string Audience = "gamut-gateway";
    public const string ClientId = "gamut-gateway";
    public const string ClientSecret = "oidc-client-secret-for-tests-5d41402abc4b2a76";

    private readonly List<SecurityKey> _published = [];
    private readonly object _gate = new();

    private TestOpenIdProvider(KestrelUpstream server)
    {
        Server = server;
        Issuer = server.Origin;
        SigningKey = NewRsaKey();
        _published.Add(SigningKey);
    }

    public KestrelUpstream Server { get; }

    /// <summary>The issuer: the server's origin, no trailing slash.</summary>
    public string Issuer { get; }

    /// <summary>The key tokens are signed with now (published).</summary>
    public RsaSecurityKey SigningKey { get; private set; }

    /// <summary>When set, the discovery document and the keys answer 503.</summary>
    public bool Down { get; set; }

    /// <summary>How many times the keys were fetched.</summary>
    public int KeyFetches => Server.Received.Count(r => r.Target == "/jwks");

    /// <summary>The token endpoint's answer: status and JSON body.</summary>
    public (int Status, string Json) TokenAnswer { get; set; } = (StatusCodes.Status400BadRequest, """{"error":"invalid_grant"}""");

    /// <summary>The form fields of every token request.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> TokenRequests { get; } = new();

    /// <summary>When set, awaited with a token request's form fields before the token endpoint answers (a test holds the answer).</summary>
    public Func<IReadOnlyDictionary<string, string>, Task>? BeforeTokenAnswer { get; set; }

    public static async Task<TestOpenIdProvider> StartAsync()
    {
        TestOpenIdProvider? provider = null;
        var server = await KestrelUpstream.StartAsync(app =>
        {
            app.MapGet("/.well-known/openid-configuration", (HttpContext context) => provider!.Down
                ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable)
                : Results.Json(provider.Discovery()));
            app.MapGet("/jwks", () => provider!.Down ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Text(provider.Jwks(), "application/json"));
            app.MapPost("/token", async (HttpContext context) =>
            {
                var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
                var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
                fields["authorization"] = context.Request.Headers.Authorization.ToString();
                provider!.TokenRequests.Enqueue(fields);
                if (provider.BeforeTokenAnswer is { } before)
                {
                    await before(fields).ConfigureAwait(false);
                }

                var (status, json) = provider.TokenAnswer;
                return Results.Text(json, "application/json", Encoding.UTF8, status);
            });
        }).ConfigureAwait(false);
        provider = new TestOpenIdProvider(server);
        return provider;
    }

    /// <summary>When set, the discovery document names <c>end_session_endpoint</c> (<c>/logout</c>, RP-Initiated Logout).</summary>
    public bool EndSession { get; set; }

    private Dictionary<string, object> Discovery()
    {
        var document = new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = Issuer + "/jwks",
            ["token_endpoint"] = Issuer + "/token",
            ["authorization_endpoint"] = Issuer + "/authorize",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        };
        if (EndSession)
        {
            document["end_session_endpoint"] = Issuer + "/logout";
        }

        return document;
    }

    /// <summary>The tenant file's <c>openid_provider</c> for this provider (the client secret in the vault as <c>oidc-client</c>).</summary>
    public string BundleSection(string groupsClaim = "groups") =>
        $"openid_provider:\n  issuer: \"{Issuer}\"\n  audiences: [{Audience}]\n  groups_claim: {groupsClaim}\n  client_id: {ClientId}\n  client_secret: vault:oidc-client\n";

    /// <summary>An identity token for <paramref name="subject"/>; every other claim can be changed.</summary>
    public string Issue(
        string subject,
        string[]? groups = null,
        string? audience = Audience,
        string? issuer = null,
        TimeSpan? lifetime = null,
        DateTime? notBefore = null,
        SigningCredentials? credentials = null,
        string? nonce = null,
        string? sid = null,
        IReadOnlyDictionary<string, object>? more = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>(more ?? new Dictionary<string, object>()) { ["sub"] = subject };
        if (nonce is not null)
        {
            claims["nonce"] = nonce;
        }

        if (sid is not null)
        {
            claims["sid"] = sid;
        }

        if (groups is not null)
        {
            claims["groups"] = groups;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = (notBefore ?? now).AddSeconds(-1),
            NotBefore = notBefore ?? now.AddSeconds(-1),
            Expires = (notBefore ?? now) + (lifetime ?? TimeSpan.FromMinutes(10)),
            SigningCredentials = credentials ?? new SigningCredentials(SigningKey, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>
    /// A back-channel logout token (audience the gateway's client, the logout event, a fresh <c>jti</c>, <c>iat</c> now,
    /// <c>exp</c> two minutes on, as oidc-provider issues them) for <paramref name="subject"/> and/or <paramref name="sid"/>;
    /// <paramref name="change"/> edits the claims before signing.
    /// </summary>
    public string LogoutToken(string? subject, string? sid = null, Action<Dictionary<string, object>>? change = null, SigningCredentials? credentials = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = ClientId,
            ["iat"] = now,
            ["exp"] = now + 120,
            ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["events"] = new Dictionary<string, object> { ["http://schemas.openid.net/event/backchannel-logout"] = new Dictionary<string, object>() },
        };
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        if (sid is not null)
        {
            claims["sid"] = sid;
        }

        change?.Invoke(claims);
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            TokenType = "logout+jwt",
            SigningCredentials = credentials ?? new SigningCredentials(SigningKey, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>A token signed by a key the provider does not publish, under the id of one it does.</summary>
    public SigningCredentials ImpostorCredentials()
    {
        var impostor = NewRsaKey();
        impostor.KeyId = SigningKey.KeyId;
        return new SigningCredentials(impostor, SecurityAlgorithms.RsaSha256);
    }

    /// <summary>A new signing key, published beside the old one; tokens are signed with it from now on.</summary>
    public void Rotate()
    {
        lock (_gate)
        {
            SigningKey = NewRsaKey();
            _published.Add(SigningKey);
        }
    }

    /// <summary>Takes <paramref name="key"/> out of the published key set (a key the provider withdrew).</summary>
    public void Withdraw(SecurityKey key)
    {
        lock (_gate)
        {
            _published.Remove(key);
        }
    }

    /// <summary>Publishes an EC P-256 key and returns credentials that sign with it (ES256).</summary>
    public SigningCredentials PublishEcKey()
    {
        var key = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) };
        lock (_gate)
        {
            _published.Add(key);
        }

        return new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>A JWS with <c>alg: none</c> and no signature, claims otherwise valid.</summary>
    public string Unsigned(string subject)
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = Issuer, ["aud"] = Audience, ["sub"] = subject, ["iat"] = now, ["nbf"] = now, ["exp"] = now + 600,
        }));
        return header + "." + payload + ".";
    }

    /// <summary>
    /// A token signed with HMAC-SHA256 keyed by the published RSA key's modulus, naming that key's id (the classic
    /// algorithm-confusion forgery: a verifier that takes the algorithm from the token would accept it).
    /// </summary>
    public string HmacWithPublicKey(string subject)
    {
        var parameters = SigningKey.Rsa.ExportParameters(false);
        var key = new SymmetricSecurityKey(parameters.Modulus!) { KeyId = SigningKey.KeyId };
        return Issue(subject, credentials: new SigningCredentials(key, SecurityAlgorithms.HmacSha256));
    }

    /// <summary>A token signed by a key the provider does not publish, under the id of one it does (a forgery).</summary>
    public string Forged(string subject) => Issue(subject, credentials: ImpostorCredentials());

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private string Jwks()
    {
        lock (_gate)
        {
            var keys = _published.Select(k => JsonWebKeyConverter.ConvertFromSecurityKey(k)).Select(jwk => new Dictionary<string, object?>
            {
                ["kty"] = jwk.Kty, ["kid"] = jwk.Kid, ["use"] = "sig", ["n"] = jwk.N, ["e"] = jwk.E, ["crv"] = jwk.Crv, ["x"] = jwk.X, ["y"] = jwk.Y,
            }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value));
            return JsonSerializer.Serialize(new { keys });
        }
    }

    /// <summary>A signing key none of the published keys shares its material with.</summary>
    private RsaSecurityKey NewRsaKey()
    {
        lock (_gate)
        {
            return TestRsaKeys.Next("rsa-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), _published);
        }
    }
}
