using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using Gateway.Store;

namespace Gateway.Proxy.People.Links;

/// <summary>
/// The people's linked upstream accounts (<c>credential: per_person</c>), in the shared state store: one value per
/// tenant, person and connector, encrypted with the vault's data key (<see cref="CredentialEnvelope"/>, bound to
/// <see cref="LinkedAccountKey.EnvelopeContext"/>, the purpose <c>linked-account</c>), and an index of the tenant's links.
/// Nothing is cached per replica: every call reads the store, so a revocation holds on the next call on every replica.
/// </summary>
internal sealed partial class LinkedAccounts
{
    private readonly IStateStore _store;
    private readonly EncryptionKeyRing _keys;
    private readonly ILogger<LinkedAccounts> _logger;

    public LinkedAccounts(IStateStore store, EncryptionKeyRing keys, ILogger<LinkedAccounts> logger)
    {
        _store = store;
        _keys = keys;
        _logger = logger;
    }

    /// <summary>The person's link to the connector, or null (never linked, revoked, or unreadable: ask to link again).</summary>
    public async ValueTask<LinkedAccount?> GetAsync(LinkedAccountKey key, CancellationToken cancellationToken)
    {
        if (await _store.GetAsync(key.StoreKey, cancellationToken).ConfigureAwait(false) is not { } envelope)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(CredentialEnvelope.DecryptString(_keys, envelope, key.EnvelopeContext), LinksJsonContext.Default.LinkedAccount) is { } account
                ? account with { Stored = envelope }
                : null;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            // Another deployment's data key, or tampered with: not a link this gateway may use.
            LogUnreadable(_logger, key.Tenant, key.Connector, ex.GetType().Name);
            return null;
        }
    }

    /// <summary>Stores (or replaces) the person's link, encrypted, and lists it under the tenant.</summary>
    public async ValueTask StoreAsync(LinkedAccountKey key, LinkedAccount account, CancellationToken cancellationToken)
    {
        await _store.SetAsync(key.StoreKey, Encrypt(key, account), expiry: null, cancellationToken).ConfigureAwait(false);
        await _store.SetAddAsync(LinkedAccountKey.IndexKey(key.Tenant), key.IndexMember, expiry: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A refresh's write: replaces the link <paramref name="read"/> (as read from the store) with <paramref name="refreshed"/>
    /// only while the store still holds exactly what was read (a compare-and-set on its ciphertext), so a refresh finishing
    /// after a revocation, a new link or another replica's refresh writes nothing. The link as written, or null when nothing was.
    /// </summary>
    public async ValueTask<LinkedAccount?> ReplaceAsync(LinkedAccountKey key, LinkedAccount read, LinkedAccount refreshed, CancellationToken cancellationToken)
    {
        var expected = StoredOf(read);
        var envelope = Encrypt(key, refreshed);
        return await _store.ReplaceIfEqualAsync(key.StoreKey, expected, envelope, expiry: null, cancellationToken).ConfigureAwait(false)
            ? refreshed with { Stored = envelope }
            : null;
    }

    /// <summary>A refused refresh's unlink: removes the link <paramref name="read"/> only while the store still holds exactly it (never a newer link); true when removed.</summary>
    public async ValueTask<bool> RevokeAsync(LinkedAccountKey key, LinkedAccount read, CancellationToken cancellationToken)
    {
        var removed = await _store.DeleteIfEqualAsync(key.StoreKey, StoredOf(read), cancellationToken).ConfigureAwait(false);
        if (removed)
        {
            LogRevoked(_logger, key.Tenant, key.Connector);
        }

        return removed;
    }

    /// <summary>Removes the person's link to the connector; true when there was one. The next call on any replica finds none.</summary>
    public async ValueTask<bool> RevokeAsync(LinkedAccountKey key, CancellationToken cancellationToken)
    {
        var removed = await _store.DeleteAsync(key.StoreKey, cancellationToken).ConfigureAwait(false);
        if (removed)
        {
            LogRevoked(_logger, key.Tenant, key.Connector);
        }

        return removed;
    }

    /// <summary>Removes the links of the person <paramref name="personSubject"/> (any issuer) to <paramref name="connector"/>; how many there were.</summary>
    public async ValueTask<int> RevokeAsync(string tenant, string personSubject, string connector, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var key in await KeysAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            if (key.PersonSubject == personSubject && key.Connector == connector && await RevokeAsync(key, cancellationToken).ConfigureAwait(false))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>The tenant's links (only <paramref name="personSubject"/>'s when given), without their tokens, by person then connector.</summary>
    public async ValueTask<IReadOnlyList<LinkedAccountInfo>> ListAsync(string tenant, string? personSubject, CancellationToken cancellationToken)
    {
        var keys = (await KeysAsync(tenant, cancellationToken).ConfigureAwait(false))
            .Where(k => personSubject is null || k.PersonSubject == personSubject)
            .OrderBy(static k => k.PersonSubject, StringComparer.Ordinal).ThenBy(static k => k.Connector, StringComparer.Ordinal)
            .ToList();
        var links = new List<LinkedAccountInfo>(keys.Count);
        foreach (var key in keys)
        {
            if (await GetAsync(key, cancellationToken).ConfigureAwait(false) is { } account)
            {
                links.Add(new LinkedAccountInfo(key.PersonIssuer, key.PersonSubject, key.Connector, account.UpstreamSubject, account.LinkedAt, account.ExpiresAt));
            }
        }

        return links;
    }

    /// <summary>After a data-key rotation: seals again under the active key every link of the tenant under a retired one (compare-and-set).</summary>
    public async ValueTask ResealAsync(string tenant, SealedKindTally tally, CancellationToken cancellationToken)
    {
        foreach (var key in await KeysAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            await tally.ResealStoredAsync(_store, key.StoreKey, key.EnvelopeContext, expiry: null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<IEnumerable<LinkedAccountKey>> KeysAsync(string tenant, CancellationToken cancellationToken) =>
        (await _store.SetMembersAsync(LinkedAccountKey.IndexKey(tenant), cancellationToken).ConfigureAwait(false))
        .Select(member => LinkedAccountKey.FromIndexMember(tenant, member))
        .OfType<LinkedAccountKey>();

    private string Encrypt(LinkedAccountKey key, LinkedAccount account) =>
        CredentialEnvelope.Encrypt(_keys, JsonSerializer.Serialize(account, LinksJsonContext.Default.LinkedAccount), key.EnvelopeContext);

    private static string StoredOf(LinkedAccount read) =>
        read.Stored ?? throw new ArgumentException("Only a link read from the store can be replaced or unlinked by what was read.", nameof(read));

    [LoggerMessage(EventId = 3321, Level = LogLevel.Warning, Message = "A linked account for connector {Connector} of tenant {Tenant} cannot be read ({Reason}); the person is asked to link again")]
    private static partial void LogUnreadable(ILogger logger, string tenant, string connector, string reason);

    [LoggerMessage(EventId = 3322, Level = LogLevel.Information, Message = "A linked account for connector {Connector} of tenant {Tenant} was revoked")]
    private static partial void LogRevoked(ILogger logger, string tenant, string connector);
}
