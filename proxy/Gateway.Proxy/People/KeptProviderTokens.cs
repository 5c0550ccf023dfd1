using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Vault;
using Gateway.Policy;
using Gateway.Store;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gateway.Proxy.People;

/// <summary>
/// A person's provider tokens kept for the RFC 8693 exchange at a <c>per_person</c> connector's upstream when the
/// request carries none (a person on <c>/mcp</c> with the gateway's access token): kept at the console's sign-in (which
/// an interactive client's authorization runs) only while some connector of the tenant's policy says
/// <c>token_exchange: true</c>; in the shared state store, one value per tenant and person under a digest of the subject,
/// encrypted with the vault's data key (<see cref="CredentialEnvelope"/>, AES-256-GCM, bound to the tenant, the person's
/// issuer and subject), expiring with the refresh token (its <c>refresh_expires_in</c>, at most
/// <see cref="PersonOptions.ProviderRefreshTokenLifetime"/>) or, without one, with the ID token. An ID token that expires
/// within <see cref="PersonOptions.ExchangedTokenMargin"/> is renewed with the refresh token at the tenant's provider
/// (one renewal per person in a process); a renewal the provider refuses forgets the tokens. Forgotten too when the
/// person's consent to a client is revoked or the provider logs the person out (a logout forgets only the tokens of its
/// issuer's person, never those kept for the same subject at another issuer). A renewal writes back, and forgets on a
/// refusal, only the value it read (compare-and-set): tokens forgotten or kept anew while the provider answered stay so.
/// </summary>
internal sealed partial class KeptProviderTokens
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _renewals = new(StringComparer.Ordinal);
    private readonly IStateStore _store;
    private readonly EncryptionKeyRing _keys;
    private readonly ProviderTokenEndpoint _provider;
    private readonly OpenIdTokenValidator _validator;
    private readonly PersonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KeptProviderTokens> _logger;

    public KeptProviderTokens(IStateStore store, EncryptionKeyRing keys, ProviderTokenEndpoint provider, OpenIdTokenValidator validator,
        IOptions<PersonOptions> options, TimeProvider time, ILogger<KeptProviderTokens> logger)
    {
        _store = store;
        _keys = keys;
        _provider = provider;
        _validator = validator;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>True when some connector of the tenant exchanges the person's provider token at its upstream (<c>per_person</c>, <c>token_exchange</c>).</summary>
    public static bool Wanted(TenantPolicy tenant) =>
        tenant.Catalog.Any(static e => e.Person is { Credential: PersonCredential.PerPerson, TokenExchange: true });

    /// <summary>The store key of a person's kept tokens: a digest of their subject under the tenant's hash tag.</summary>
    public static string StoreKey(string tenant, string subject) =>
        StoreKeys.ProviderToken(tenant, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject))));

    /// <summary>
    /// At sign-in: keeps the person's verified ID token (<paramref name="verified"/>, as sent: <paramref name="idToken"/>)
    /// and the refresh token when the provider issued one, when the tenant wants them (otherwise forgets any kept earlier).
    /// </summary>
    public async ValueTask KeepAsync(TenantPolicy tenant, JsonWebToken verified, string idToken, ProviderTokenAnswer answer, CancellationToken cancellationToken)
    {
        if (!Wanted(tenant))
        {
            await _store.DeleteAsync(StoreKey(tenant.Slug, verified.Subject), cancellationToken).ConfigureAwait(false);
            return;
        }

        var kept = new KeptProviderToken { IdToken = idToken, RefreshToken = answer.RefreshToken, IdTokenExpires = new DateTimeOffset(verified.ValidTo, TimeSpan.Zero) };
        await StoreAsync(tenant.Slug, verified.Issuer, verified.Subject, kept, answer.RefreshExpiresIn, replacing: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The person's kept ID token, renewed when it is about to expire; null when there is none usable (then the person links).</summary>
    public async ValueTask<string?> UsableAsync(TenantPolicy tenant, ActingPerson person, CancellationToken cancellationToken)
    {
        if (await ReadAsync(tenant.Slug, person, cancellationToken).ConfigureAwait(false) is not ({ } kept, { } envelope))
        {
            return null;
        }

        if (kept.IdTokenExpires - _options.ExchangedTokenMargin > _time.GetUtcNow())
        {
            return kept.IdToken;
        }

        if (kept.RefreshToken is null || tenant.Register.OpenIdProvider is not { } provider)
        {
            return null;
        }

        // One renewal per person in this process; its callers share it (and are not cancelled by one another).
        var key = StoreKey(tenant.Slug, person.Subject);
        var flight = _renewals.GetOrAdd(key, _ => new Lazy<Task<string?>>(() => RenewAsync(tenant.Slug, provider, person, kept, envelope)));
        try
        {
            return await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (flight.Value.IsCompleted)
            {
                _renewals.TryRemove(new(key, flight));
            }
        }
    }

    /// <summary>Forgets the person's kept tokens (their consent revoked, or the provider logged them out); true when there were some.</summary>
    public ValueTask<bool> ForgetAsync(string tenant, string subject, CancellationToken cancellationToken) =>
        _store.DeleteAsync(StoreKey(tenant, subject), cancellationToken);

    /// <summary>
    /// Forgets the kept tokens of the person <paramref name="issuer"/> and <paramref name="subject"/> (their provider logged
    /// them out) and no one else's: tokens kept for the same subject at another issuer, which do not decrypt as this
    /// person's, stay. True when there were some.
    /// </summary>
    public async ValueTask<bool> ForgetAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken)
    {
        var key = StoreKey(tenant, subject);
        if (await _store.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } envelope || !IsOf(envelope, tenant, issuer, subject))
        {
            return false;
        }

        // Only the value read and checked: one written since (the other issuer's person signing in, say) stays.
        return await _store.DeleteIfEqualAsync(key, envelope, cancellationToken).ConfigureAwait(false);
    }

    // The renewal of the tokens read as envelope: written back, or forgotten on a refusal, only while the store still holds
    // that envelope, so a forgetting (consent revoked, logout) or a new sign-in while the provider answered wins.
    private async Task<string?> RenewAsync(string tenant, OpenIdProvider provider, ActingPerson person, KeptProviderToken kept, string envelope)
    {
        try
        {
            var (status, body, unusable) = await _provider.PostAsync(tenant, provider,
                [new("grant_type", "refresh_token"), new("refresh_token", kept.RefreshToken!)], CancellationToken.None).ConfigureAwait(false);
            if (unusable is not null || status is < 200 or >= 300)
            {
                LogRenewalRefused(_logger, tenant, status, unusable ?? Links.UpstreamAuthorization.ErrorCode(body));
                if (status is >= 400 and < 500)
                {
                    // Revoked or expired at the provider: nothing left to renew with.
                    await _store.DeleteIfEqualAsync(StoreKey(tenant, person.Subject), envelope, CancellationToken.None).ConfigureAwait(false);
                }

                return null;
            }

            var answer = JsonSerializer.Deserialize(body, PeopleJsonContext.Default.ProviderTokenAnswer);
            if (answer?.IdToken is not { } idToken || !_validator.CanRead(idToken, _options.MaxTokenLength))
            {
                LogRenewalRefused(_logger, tenant, status, "no id_token in the answer");
                return null;
            }

            var result = await _validator.ValidateAsync(provider, idToken, [provider.ClientId!], CancellationToken.None).ConfigureAwait(false);
            if (!result.IsValid || result.SecurityToken is not JsonWebToken token
                || !string.Equals(token.Issuer, person.Issuer, StringComparison.Ordinal) || !string.Equals(token.Subject, person.Subject, StringComparison.Ordinal))
            {
                LogRenewalRefused(_logger, tenant, status, "the renewed ID token did not verify or names another person");
                return null;
            }

            var renewed = new KeptProviderToken { IdToken = idToken, RefreshToken = answer.RefreshToken ?? kept.RefreshToken, IdTokenExpires = new DateTimeOffset(token.ValidTo, TimeSpan.Zero) };
            if (!await StoreAsync(tenant, person.Issuer, person.Subject, renewed, answer.RefreshExpiresIn, envelope, CancellationToken.None).ConfigureAwait(false))
            {
                LogRenewalRefused(_logger, tenant, status, "the kept tokens were forgotten or replaced while the provider answered");
                return null;
            }

            return idToken;
        }
        catch (Exception ex) when (ex is OpenIdProviderUnavailableException or CredentialUnavailableException or HttpRequestException or JsonException
            or StateStoreUnavailableException or OperationCanceledException)
        {
            // Unreachable or timed out: kept for the next call; this one asks for the link.
            LogRenewalFailed(_logger, tenant, ex.GetType().Name);
            return null;
        }
    }

    // Keeps the tokens; with replacing, only while the store still holds that envelope: false when it no longer does.
    private async ValueTask<bool> StoreAsync(string tenant, string issuer, string subject, KeptProviderToken kept, long? refreshExpiresIn, string? replacing, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var until = kept.IdTokenExpires;
        if (kept.RefreshToken is not null)
        {
            var refreshLifetime = refreshExpiresIn is > 0 and { } seconds && seconds < _options.ProviderRefreshTokenLifetime.TotalSeconds
                ? TimeSpan.FromSeconds(seconds)
                : _options.ProviderRefreshTokenLifetime;
            until = now + refreshLifetime > until ? now + refreshLifetime : until;
        }

        var key = StoreKey(tenant, subject);
        if (until <= now)
        {
            // Nothing left to keep (a renewal's tokens already expired: not handed out either).
            return replacing is null;
        }

        var envelope = CredentialEnvelope.Encrypt(_keys, JsonSerializer.Serialize(kept, PeopleJsonContext.Default.KeptProviderToken), Context(tenant, issuer, subject));
        if (replacing is not null)
        {
            return await _store.ReplaceIfEqualAsync(key, replacing, envelope, until - now, cancellationToken).ConfigureAwait(false);
        }

        await _store.SetAsync(key, envelope, until - now, cancellationToken).ConfigureAwait(false);
        return true;
    }

    // The person's kept tokens and the envelope they were read from (what a renewal may replace); nulls when unusable.
    private async ValueTask<(KeptProviderToken? Kept, string? Envelope)> ReadAsync(string tenant, ActingPerson person, CancellationToken cancellationToken)
    {
        if (await _store.GetAsync(StoreKey(tenant, person.Subject), cancellationToken).ConfigureAwait(false) is not { } envelope)
        {
            return default;
        }

        try
        {
            return (JsonSerializer.Deserialize(CredentialEnvelope.DecryptString(_keys, envelope, Context(tenant, person.Issuer, person.Subject)), PeopleJsonContext.Default.KeptProviderToken), envelope);
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            // Another deployment's data key, another issuer's person, or tampered with: not a token this gateway may use.
            LogUnreadable(_logger, tenant, ex.GetType().Name);
            return default;
        }
    }

    /// <summary>True when <paramref name="envelope"/> decrypts as the tokens of this tenant's person (issuer and subject).</summary>
    private bool IsOf(string envelope, string tenant, string issuer, string subject)
    {
        try
        {
            CryptographicOperations.ZeroMemory(CredentialEnvelope.Decrypt(_keys, envelope, Context(tenant, issuer, subject)));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The envelope's associated data: the ciphertext decrypts only for its own tenant, person issuer and subject.</summary>
    private static string Context(string tenant, string issuer, string subject) =>
        "provider-token:" + StoreKeys.LengthPrefixed(tenant) + StoreKeys.LengthPrefixed(issuer) + StoreKeys.LengthPrefixed(subject);

    [LoggerMessage(EventId = 3331, Level = LogLevel.Warning, Message = "A person's kept provider token for tenant {Tenant} cannot be read ({Reason}); the person is asked to link")]
    private static partial void LogUnreadable(ILogger logger, string tenant, string reason);

    [LoggerMessage(EventId = 3332, Level = LogLevel.Information, Message = "A person's kept provider token for tenant {Tenant} was not renewed: {Status} {Reason}")]
    private static partial void LogRenewalRefused(ILogger logger, string tenant, int status, string reason);

    [LoggerMessage(EventId = 3333, Level = LogLevel.Warning, Message = "A person's kept provider token for tenant {Tenant} could not be renewed: {Reason}")]
    private static partial void LogRenewalFailed(ILogger logger, string tenant, string reason);
}
