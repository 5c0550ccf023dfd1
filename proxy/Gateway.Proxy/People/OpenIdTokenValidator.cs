using System.Buffers.Text;
using System.Text.Json;
using Gateway.Policy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Proxy.People;

/// <summary>
/// The gateway's one check of a token issued by a tenant's OpenID provider, shared by the person an agent acts for
/// (<see cref="PersonTokenVerifier"/>) and the console's sign-in (<c>Console/ConsoleSignIn</c>): a compact JWS
/// (<see cref="JsonWebTokenHandler"/>) signed with an asymmetric algorithm of <see cref="AllowedAlgorithms"/> (never
/// <c>none</c>, never HMAC: the provider's keys are public) by a key of the provider's JWKS (<see cref="OpenIdConfigurations"/>,
/// fetched again once when the token names a key not in them), issued by the configured issuer, for one of
/// <c>audiences</c>, with <c>exp</c> required and <c>exp</c>/<c>nbf</c> checked within <see cref="PersonOptions.ClockSkew"/>
/// against the gateway's clock, and no <c>crit</c> header (RFC 7515 §4.1.11: no extension is understood).
/// </summary>
internal sealed class OpenIdTokenValidator
{
    /// <summary>The signature algorithms a provider's token may use: RSA, RSA-PSS and ECDSA.</summary>
    public static readonly IReadOnlyList<string> AllowedAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly OpenIdConfigurations _configurations;
    private readonly PersonOptions _options;
    private readonly TimeProvider _time;

    public OpenIdTokenValidator(OpenIdConfigurations configurations, IOptions<PersonOptions> options, TimeProvider time)
    {
        _configurations = configurations;
        _options = options.Value;
        _time = time;
    }

    /// <summary>True when <paramref name="token"/> is at most <paramref name="maxLength"/> characters of a compact JWS.</summary>
    public bool CanRead(string token, int maxLength) => token.Length <= maxLength && _handler.CanReadToken(token);

    /// <summary>The validation result: <see cref="TokenValidationResult.SecurityToken"/> is the <see cref="JsonWebToken"/> when valid.</summary>
    /// <exception cref="OpenIdProviderUnavailableException">The provider's keys cannot be had.</exception>
    public async ValueTask<TokenValidationResult> ValidateAsync(OpenIdProvider provider, string token, IReadOnlyList<string> audiences, CancellationToken cancellationToken)
    {
        var configuration = await _configurations.GetAsync(provider, cancellationToken).ConfigureAwait(false);
        var result = await _handler.ValidateTokenAsync(token, Parameters(provider, audiences, configuration.SigningKeys)).ConfigureAwait(false);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The provider may have rotated its keys since they were fetched: fetch them again (bounded), then check once more.
            configuration = await _configurations.RefreshForUnknownKeyAsync(provider, cancellationToken).ConfigureAwait(false);
            result = await _handler.ValidateTokenAsync(token, Parameters(provider, audiences, configuration.SigningKeys)).ConfigureAwait(false);
        }

        // RFC 7515 §4.1.11: the handler does not read crit, and no header extension is understood here.
        return result.IsValid && result.SecurityToken is JsonWebToken valid && HasCriticalHeader(valid)
            ? new TokenValidationResult { IsValid = false, Exception = new SecurityTokenValidationException("The token's header names critical extensions (crit).") }
            : result;
    }

    private static bool HasCriticalHeader(JsonWebToken token)
    {
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(token.EncodedHeader));
        return header.RootElement.TryGetProperty("crit", out _);
    }

    /// <summary>
    /// The person's register id in <paramref name="token"/>: its <paramref name="claim"/> (its subject for <c>sub</c>); null
    /// when it has none, and for <c>email</c> unless the token says <c>email_verified: true</c> (a person whose provider
    /// lets them set their address could otherwise name themselves as another).
    /// </summary>
    public static string? Person(JsonWebToken token, string claim) => claim switch
    {
        "sub" => token.Subject,
        "email" when !EmailVerified(token) => null,
        _ => token.TryGetPayloadValue<string>(claim, out var named) ? named : null,
    };

    private static bool EmailVerified(JsonWebToken token) =>
        (token.TryGetPayloadValue<bool>("email_verified", out var verified) && verified)
        || (token.TryGetPayloadValue<string>("email_verified", out var text) && text == "true");

    /// <summary>The groups claim: an array of strings, or one string; anything else (or none) is no groups.</summary>
    public static string[] Groups(JsonWebToken token, string claim)
    {
        if (!token.TryGetPayloadValue<JsonElement>(claim, out var value))
        {
            return [];
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => [.. value.EnumerateArray().Where(static g => g.ValueKind == JsonValueKind.String).Select(static g => g.GetString()!)],
            _ => [],
        };
    }

    private TokenValidationParameters Parameters(OpenIdProvider provider, IReadOnlyList<string> audiences, ICollection<SecurityKey> keys) => new()
    {
        ValidIssuer = provider.IssuerText,
        ValidAudiences = audiences,
        IssuerSigningKeys = keys,
        ValidAlgorithms = AllowedAlgorithms,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        RequireAudience = true,
        ClockSkew = _options.ClockSkew,
        TryAllIssuerSigningKeys = false,
        LifetimeValidator = Lifetime,
    };

    /// <summary><c>exp</c> required, <c>exp</c> and <c>nbf</c> against the gateway's clock (its <see cref="TimeProvider"/>) within the skew.</summary>
    private bool Lifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("The token has no exp.");
        }

        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        if (exp < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = exp };
        }

        return true;
    }
}
