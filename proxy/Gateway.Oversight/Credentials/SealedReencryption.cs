using System.Security.Cryptography;
using Gateway.Connectors.Vault;
using Gateway.Store;

namespace Gateway.Oversight.Credentials;

/// <summary>
/// One kind of a tenant's sealed records after a re-encryption: how many were sealed again under the active data key, were
/// already under it, could not be opened (left as they are, never deleted), or were changed by another writer meanwhile
/// (left to that write); and the other key ids that still seal some of them (a retired key may go once none names it).
/// </summary>
public sealed record SealedKindReencryption(string Kind, int Reencrypted, int AlreadyCurrent, int Unreadable, int Changed, IReadOnlyList<string> RetiredKeysInUse);

/// <summary>A tenant's re-encryption after a data-key rotation, kind by kind (credentials, linked accounts, delegation secrets...).</summary>
public sealed record SealedReencryption(IReadOnlyList<SealedKindReencryption> Kinds)
{
    /// <summary>Records sealed again, every kind together.</summary>
    public int Reencrypted => Kinds.Sum(static k => k.Reencrypted);

    /// <summary>Records already under the active key, every kind together.</summary>
    public int AlreadyCurrent => Kinds.Sum(static k => k.AlreadyCurrent);

    /// <summary>Records that did not open, every kind together.</summary>
    public int Unreadable => Kinds.Sum(static k => k.Unreadable);

    /// <summary>Records changed by another writer meanwhile, every kind together.</summary>
    public int Changed => Kinds.Sum(static k => k.Changed);

    /// <summary>Every key id other than the active one that still seals a record of the tenant.</summary>
    public IReadOnlyList<string> RetiredKeysInUse => [.. Kinds.SelectMany(static k => k.RetiredKeysInUse).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}

/// <summary>Counts one kind's records while they are sealed again, and seals again one envelope kept whole under a store key.</summary>
public sealed class SealedKindTally
{
    private readonly SortedSet<string> _retired = new(StringComparer.Ordinal);
    private readonly string _kind;
    private readonly EncryptionKeyRing _ring;
    private int _reencrypted;
    private int _current;
    private int _unreadable;
    private int _changed;

    public SealedKindTally(string kind, EncryptionKeyRing ring)
    {
        _kind = kind;
        _ring = ring;
    }

    /// <summary>True when <paramref name="envelope"/> is under another key than the active one; counted as current otherwise.</summary>
    public bool NeedsResealing(string envelope)
    {
        if (CredentialEnvelope.GetKeyId(envelope) == _ring.ActiveKeyId)
        {
            _current++;
            return false;
        }

        return true;
    }

    /// <summary>
    /// The envelope opened with <paramref name="context"/> and sealed again under the active key; null (counted, its key id
    /// noted) when it does not open. The plaintext is wiped before this returns.
    /// </summary>
    public string? Reseal(string envelope, string context)
    {
        try
        {
            return CredentialEnvelope.Reseal(_ring, envelope, context);
        }
        catch (CryptographicException)
        {
            _unreadable++;
            _retired.Add(CredentialEnvelope.GetKeyId(envelope) ?? "(malformed)");
            return null;
        }
    }

    /// <summary>
    /// Counts a compare-and-set's outcome: sealed again, or changed by another writer since it was read (replaced, sealed
    /// under the active key as every write is, or removed).
    /// </summary>
    public void Written(bool replaced)
    {
        if (replaced)
        {
            _reencrypted++;
        }
        else
        {
            _changed++;
        }
    }

    /// <summary>
    /// Seals again the envelope stored whole under <paramref name="key"/> (bound to <paramref name="context"/>) when it is
    /// under a retired key, by compare-and-set, so that a write made meanwhile is never undone.
    /// </summary>
    public async ValueTask ResealStoredAsync(IKeyValueStore store, string key, string context, TimeSpan? expiry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } envelope || !NeedsResealing(envelope)
            || Reseal(envelope, context) is not { } resealed)
        {
            return;
        }

        Written(await store.ReplaceIfEqualAsync(key, envelope, resealed, expiry, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The counts so far.</summary>
    public SealedKindReencryption ToResult() => new(_kind, _reencrypted, _current, _unreadable, _changed, [.. _retired]);
}
