using System.Text.Json;
using Gateway.Oversight.Http;
using Gateway.Policy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Proxy.People;

/// <summary>
/// Checks the identity token of the person an agent acts for against the tenant's OpenID provider: a compact JWS
/// (<see cref="JsonWebTokenHandler"/>), signed with an asymmetric algorithm of <see cref="AllowedAlgorithms"/> (never
/// <c>none</c>, never HMAC: the provider's keys are public) by a key of the provider's JWKS (<see cref="OpenIdConfigurations"/>,
/// fetched again once when the token names a key not in them), issued by the configured issuer, for one of the
/// configured audiences, with <c>exp</c> required and <c>exp</c>/<c>nbf</c> checked within <see cref="PersonOptions.ClockSkew"/>,
/// and with a <c>sub</c>. Every failure is a refusal with a stable code; the token itself is never logged or returned.
/// </summary>
internal sealed partial class PersonTokenVerifier
{
    /// <summary>The signature algorithms a person's token may use: RSA, RSA-PSS and ECDSA.</summary>
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
    private readonly ILogger<PersonTokenVerifier> _logger;

    public PersonTokenVerifier(OpenIdConfigurations configurations, IOptions<PersonOptions> options, TimeProvider time, ILogger<PersonTokenVerifier> logger)
    {
        _configurations = configurations;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<PersonTokenCheck> VerifyAsync(OpenIdProvider? provider, string token, CancellationToken cancellationToken)
    {
        if (provider is null)
        {
            return Invalid("The tenant declares no OpenID provider; it accepts no person's token.");
        }

        if (token.Length > _options.MaxTokenLength || !_handler.CanReadToken(token))
        {
            return Invalid("The person's token is not a compact JWS.");
        }

        try
        {
            var configuration = await _configurations.GetAsync(provider, cancellationToken).ConfigureAwait(false);
            var result = await _handler.ValidateTokenAsync(token, Parameters(provider, configuration.SigningKeys)).ConfigureAwait(false);
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                // The provider may have rotated its keys since they were fetched: fetch them again (bounded), then check once more.
                configuration = await _configurations.RefreshForUnknownKeyAsync(provider, cancellationToken).ConfigureAwait(false);
                result = await _handler.ValidateTokenAsync(token, Parameters(provider, configuration.SigningKeys)).ConfigureAwait(false);
            }

            return result.IsValid ? Person(provider, (JsonWebToken)result.SecurityToken) : Refusal(result.Exception);
        }
        catch (OpenIdProviderUnavailableException)
        {
            return PersonTokenCheck.Refused(StatusCodes.Status503ServiceUnavailable, ProblemCodes.PersonProviderUnavailable,
                "The tenant's OpenID provider cannot be reached to check the person's token; nothing was forwarded.");
        }
    }

    private TokenValidationParameters Parameters(OpenIdProvider provider, ICollection<SecurityKey> keys) => new()
    {
        ValidIssuer = provider.IssuerText,
        ValidAudiences = provider.Audiences,
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

    private PersonTokenCheck Person(OpenIdProvider provider, JsonWebToken token)
    {
        if (string.IsNullOrEmpty(token.Subject) || token.Subject.Length > 255)
        {
            return Invalid("The person's token has no usable sub.");
        }

        return PersonTokenCheck.Verified(new ActingPerson(token.Subject, token.Issuer, Groups(token, provider.GroupsClaim)), new DateTimeOffset(token.ValidTo, TimeSpan.Zero));
    }

    /// <summary>The groups claim: an array of strings, or one string; anything else (or none) is no groups.</summary>
    private static string[] Groups(JsonWebToken token, string claim)
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

    private PersonTokenCheck Refusal(Exception? exception)
    {
        LogRefused(_logger, exception?.GetType().Name ?? "unknown");
        return exception switch
        {
            SecurityTokenExpiredException => PersonTokenCheck.Refused(StatusCodes.Status401Unauthorized, ProblemCodes.PersonTokenExpired, "The person's token has expired."),
            SecurityTokenNotYetValidException => PersonTokenCheck.Refused(StatusCodes.Status401Unauthorized, ProblemCodes.PersonTokenExpired, "The person's token is not valid yet."),
            SecurityTokenInvalidIssuerException => Invalid("The person's token was not issued by the tenant's OpenID provider."),
            SecurityTokenInvalidAudienceException => Invalid("The person's token is not for this gateway (audience)."),
            SecurityTokenInvalidAlgorithmException => Invalid("The person's token is signed with an algorithm the gateway does not accept."),
            SecurityTokenNoExpirationException => Invalid("The person's token has no expiry."),
            SecurityTokenSignatureKeyNotFoundException => Invalid("The person's token is signed with a key the tenant's OpenID provider does not publish."),
            _ => Invalid("The person's token's signature does not verify."),
        };
    }

    private static PersonTokenCheck Invalid(string detail) =>
        PersonTokenCheck.Refused(StatusCodes.Status401Unauthorized, ProblemCodes.PersonTokenInvalid, detail);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "A person's token was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
