using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Vault;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.People;

/// <summary>
/// What a connector that acts for a person (<see cref="CatalogEntry.Person"/>) sends upstream for them: with
/// <c>token_exchange</c>, a person-scoped token from an RFC 8693 token exchange at the tenant's OpenID provider's token
/// endpoint (the gateway authenticates as its client, <c>client_secret_basic</c>; <c>subject_token</c> is the person's
/// identity token), cached per tenant, person and audience (in process and, on the Redis store, shared by the replicas: <see cref="ExchangedTokenCache"/>) until <see cref="PersonOptions.ExchangedTokenMargin"/> before it
/// expires; with <c>vault</c>, that person's own credential, <c>vault:&lt;vault_prefix&gt;.&lt;subject&gt;</c>; with
/// <c>per_person</c>, the person's own linked upstream account (PersonCredentials.PerPerson.cs). A request
/// without a person is refused (<c>person_required</c>), so is one whose credential cannot be had; nothing is forwarded.
/// </summary>
internal sealed partial class PersonCredentials
{
    private const string TokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
    private const string IdTokenType = "urn:ietf:params:oauth:token-type:id_token";
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    private readonly ExchangedTokenCache _exchanged;
    private readonly Links.LinkedTokens _linked;
    private readonly Links.LinkGrants _grants;
    private readonly Links.UpstreamAuthorization _upstreamServers;
    private readonly ProviderTokenEndpoint _provider;
    private readonly KeptProviderTokens _kept;
    private readonly CredentialResolver _vault;
    private readonly PersonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PersonCredentials> _logger;

    public PersonCredentials(ProviderTokenEndpoint provider, KeptProviderTokens kept, CredentialResolver vault, ExchangedTokenCache exchanged,
        Links.LinkedTokens linked, Links.LinkGrants grants, Links.UpstreamAuthorization upstreamServers,
        IOptions<PersonOptions> options, TimeProvider time, ILogger<PersonCredentials> logger)
    {
        _linked = linked;
        _grants = grants;
        _upstreamServers = upstreamServers;
        _exchanged = exchanged;
        _provider = provider;
        _kept = kept;
        _vault = vault;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The person's credential for <paramref name="connector"/> (null when it needs none of its own), or the refusal.
    /// <paramref name="decided"/> is the entry decided on (an mcp_tool's person needs count as its server's).
    /// </summary>
    public async ValueTask<(SecretValue? Credential, Refusal? Refusal)> ObtainAsync(
        TenantPolicy tenant, CatalogEntry decided, CatalogEntry connector, PresentedPerson? person, CancellationToken cancellationToken)
    {
        if ((decided.Person ?? connector.Person) is not { } needs)
        {
            return (null, null);
        }

        if (person is null)
        {
            return (null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.PersonRequired,
                $"Connector '{connector.Name}' acts for a person: send the person's identity token in X-Gamut-Person, covered by the signature. Nothing was forwarded."));
        }

        return needs.Credential switch
        {
            PersonCredential.TokenExchange => await ExchangeAsync(tenant, connector, needs, person, cancellationToken).ConfigureAwait(false),
            PersonCredential.Vault => await FromVaultAsync(tenant, connector, needs, person, cancellationToken).ConfigureAwait(false),
            PersonCredential.PerPerson => (await ObtainAsync(tenant, decided, connector, person.Person, delegated: true, person, string.Empty, cancellationToken).ConfigureAwait(false)) is var (c, _, r) ? (c, r) : default,
            _ => (null, null),
        };
    }

    private async ValueTask<(SecretValue?, Refusal?)> FromVaultAsync(TenantPolicy tenant, CatalogEntry connector, PersonRequirement needs, PresentedPerson person, CancellationToken cancellationToken)
    {
        // The subject may hold dots (first.last): the bundle's load refuses a vault_prefix that is, or nests at a '.' with,
        // any other vault name of the tenant or another entry's vault_prefix, so no subject names a credential outside the
        // prefix's own (docs/identity.md).
        var name = needs.VaultPrefix + "." + person.Person.Subject;
        try
        {
            if (person.Person.Subject.Length == 0 || !CredentialName.IsValid(name))
            {
                throw new CredentialUnavailableException("the person's subject cannot name a vault credential");
            }

            return (await _vault.ResolveAsync(tenant.Slug, "vault:" + name, cancellationToken).ConfigureAwait(false), null);
        }
        catch (CredentialUnavailableException ex)
        {
            LogPersonCredentialUnavailable(_logger, connector.Name, tenant.Slug, ex.Message);
            return (null, new Refusal(StatusCodes.Status503ServiceUnavailable, ProblemCodes.PersonCredentialUnavailable,
                $"The person's own credential for connector '{connector.Name}' is not in the vault (or cannot be read); an operator must store it. Nothing was forwarded."));
        }
    }

    private async ValueTask<(SecretValue?, Refusal?)> ExchangeAsync(TenantPolicy tenant, CatalogEntry connector, PersonRequirement needs, PresentedPerson person, CancellationToken cancellationToken)
    {
        var provider = tenant.Register.OpenIdProvider;
        var key = ExchangedTokenCache.Key(tenant.Slug, person.Person.Issuer, person.Person.Subject, needs.CacheKey);
        if (await _exchanged.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return (cached, null);
        }

        if (provider is null)
        {
            return (null, ExchangeFailed(StatusCodes.Status503ServiceUnavailable, connector, "the tenant's OpenID provider names no client to call it as"));
        }

        try
        {
            var (status, body, unusable) = await _provider.PostAsync(tenant.Slug, provider, ExchangeForm(person.Token, needs.Audience, needs.Resource, needs.Scope), cancellationToken).ConfigureAwait(false);
            if (unusable is not null)
            {
                return (null, ExchangeFailed(StatusCodes.Status503ServiceUnavailable, connector, unusable));
            }

            if (status is < 200 or >= 300)
            {
                var error = Links.UpstreamAuthorization.ErrorCode(body);
                LogExchangeRefused(_logger, connector.Name, tenant.Slug, status, error);
                return (null, status is >= 400 and < 500
                    ? ExchangeFailed(StatusCodes.Status403Forbidden, connector, $"the provider refused it ({error})")
                    : ExchangeFailed(StatusCodes.Status503ServiceUnavailable, connector, $"the provider answered {status}"));
            }

            if (Issued(body) is not { } issued)
            {
                return (null, ExchangeFailed(StatusCodes.Status503ServiceUnavailable, connector, "the provider's answer holds no bearer access_token"));
            }

            var token = new SecretValue(issued.Token);
            if (issued.ExpiresIn is { } lifetime && lifetime > _options.ExchangedTokenMargin)
            {
                await _exchanged.SetAsync(key, issued.Token, _time.GetUtcNow() + lifetime - _options.ExchangedTokenMargin, cancellationToken).ConfigureAwait(false);
            }

            return (token, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is OpenIdProviderUnavailableException or CredentialUnavailableException or HttpRequestException or OperationCanceledException)
        {
            // Unreachable, timed out (the client's timeout), or the gateway's own client secret unreadable: fail closed.
            LogExchangeFailed(_logger, connector.Name, tenant.Slug, ex.GetType().Name);
            return (null, ExchangeFailed(StatusCodes.Status503ServiceUnavailable, connector, "the provider (or the gateway's client secret) could not be reached"));
        }
    }

    /// <summary>
    /// An RFC 8693 token exchange of the person's ID token (<paramref name="subjectToken"/>) for an access token, with the
    /// <c>audience</c>, <c>resource</c> and <c>scope</c> asked for when given: at the tenant's provider and at a
    /// <c>per_person</c> connector's authorization server alike.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> ExchangeForm(string subjectToken, string? audience, Uri? resource, string? scope)
    {
        yield return new("grant_type", TokenExchangeGrant);
        yield return new("subject_token", subjectToken);
        yield return new("subject_token_type", IdTokenType);
        yield return new("requested_token_type", AccessTokenType);
        if (audience is not null)
        {
            yield return new("audience", audience);
        }

        if (resource is not null)
        {
            yield return new("resource", resource.AbsoluteUri);
        }

        if (scope is not null)
        {
            yield return new("scope", scope);
        }
    }

    /// <summary>RFC 8693 §2.2.1: <c>access_token</c>, and <c>token_type</c> Bearer (or N_A, used as a bearer token).</summary>
    private static (string Token, TimeSpan? ExpiresIn)? Issued(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(token.GetString())
                || !root.TryGetProperty("token_type", out var type) || type.ValueKind != JsonValueKind.String
                || !(string.Equals(type.GetString(), "Bearer", StringComparison.OrdinalIgnoreCase) || type.GetString() == "N_A"))
            {
                return null;
            }

            TimeSpan? expiresIn = root.TryGetProperty("expires_in", out var expires) && expires.TryGetInt64(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(Math.Min(seconds, 86_400))
                : null;
            return (token.GetString()!, expiresIn);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Refusal ExchangeFailed(int status, CatalogEntry connector, string why) =>
        new(status, ProblemCodes.PersonTokenExchangeFailed,
            $"No person-scoped token for connector '{connector.Name}' could be obtained by token exchange: {why}. Nothing was forwarded.");

    [LoggerMessage(EventId = 3311, Level = LogLevel.Warning, Message = "Token exchange for connector {Connector} of tenant {Tenant} refused by the provider: {Status} {Error}")]
    private static partial void LogExchangeRefused(ILogger logger, string connector, string tenant, int status, string error);

    [LoggerMessage(EventId = 3312, Level = LogLevel.Warning, Message = "Token exchange for connector {Connector} of tenant {Tenant} failed: {Reason}")]
    private static partial void LogExchangeFailed(ILogger logger, string connector, string tenant, string reason);

    [LoggerMessage(EventId = 3313, Level = LogLevel.Warning, Message = "The person's credential for connector {Connector} of tenant {Tenant} is unavailable: {Reason}")]
    private static partial void LogPersonCredentialUnavailable(ILogger logger, string connector, string tenant, string reason);
}
