using Gateway.Oversight;
using Gateway.Policy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Proxy.People;

/// <summary>
/// Checks the identity token of the person an agent acts for against the tenant's OpenID provider with the gateway's one
/// <see cref="OpenIdTokenValidator"/> (shared with the console's sign-in), for one of the provider's configured
/// <c>audiences</c>, and with a <c>sub</c>. Every failure is a refusal with a stable code; the token itself is never logged or returned.
/// </summary>
internal sealed partial class PersonTokenVerifier
{
    /// <summary>The signature algorithms a person's token may use (<see cref="OpenIdTokenValidator.AllowedAlgorithms"/>).</summary>
    public static IReadOnlyList<string> AllowedAlgorithms => OpenIdTokenValidator.AllowedAlgorithms;

    private readonly OpenIdTokenValidator _validator;
    private readonly PersonOptions _options;
    private readonly ILogger<PersonTokenVerifier> _logger;

    public PersonTokenVerifier(OpenIdTokenValidator validator, IOptions<PersonOptions> options, ILogger<PersonTokenVerifier> logger)
    {
        _validator = validator;
        _options = options.Value;
        _logger = logger;
    }

    public async ValueTask<PersonTokenCheck> VerifyAsync(OpenIdProvider? provider, string token, string personClaim, CancellationToken cancellationToken)
    {
        if (provider is null)
        {
            return Invalid("The tenant declares no OpenID provider; it accepts no person's token.");
        }

        if (!_validator.CanRead(token, _options.MaxTokenLength))
        {
            return Invalid("The person's token is not a compact JWS.");
        }

        try
        {
            var result = await _validator.ValidateAsync(provider, token, provider.Audiences, cancellationToken).ConfigureAwait(false);
            return result.IsValid ? Person(provider, (JsonWebToken)result.SecurityToken, personClaim) : Refusal(result.Exception);
        }
        catch (OpenIdProviderUnavailableException)
        {
            return PersonTokenCheck.Refused(StatusCodes.Status503ServiceUnavailable, ProblemCodes.PersonProviderUnavailable,
                "The tenant's OpenID provider cannot be reached to check the person's token; nothing was forwarded.");
        }
    }

    // The person, with their register id when the tenant names people by another claim than sub (personClaim).
    private PersonTokenCheck Person(OpenIdProvider provider, JsonWebToken token, string personClaim)
    {
        if (string.IsNullOrEmpty(token.Subject) || token.Subject.Length > 255)
        {
            return Invalid("The person's token has no usable sub.");
        }

        var registerId = personClaim != "sub" && OpenIdTokenValidator.Person(token, personClaim) is { Length: > 0 and <= 255 } named ? named : null;
        var person = new ActingPerson(token.Subject, token.Issuer, OpenIdTokenValidator.Groups(token, provider.GroupsClaim)) { RegisterId = registerId };
        return PersonTokenCheck.Verified(person, new DateTimeOffset(token.ValidTo, TimeSpan.Zero));
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
