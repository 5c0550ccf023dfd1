using Gateway.Store;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// Token families whose code no client redeemed, so that codes a remembered consent gives and no client exchanges never
/// fill a consent's family index. A family is kept until it ends from its start, as the previous release keeps it (a
/// replica of that release redeeming its code reads the family key only), its key marked unredeemed, with a marker naming
/// its code (written when the code is issued, until then kept only <see cref="UnredeemedFamilyLifetime"/>). This release's
/// redemption marks the key redeemed, then deletes the marker; the previous release's writes its code's "used" key before
/// it takes the code, as this one does. Token use reads the family key alone. Only when the index is full, a family still
/// marked unredeemed whose marker is gone (no code issued in time) or whose code is neither there nor used (expired
/// unredeemed: it can never give a token) is ended (its key deleted) and leaves the index: a family that is left out of it
/// no longer exists, so a revocation that walks the index still reaches every live one.
/// </summary>
public sealed partial class InteractiveGrants
{
    /// <summary>The family key's value until this release redeems its code.</summary>
    private const string UnredeemedValue = "u";

    /// <summary>The family key's value once this release redeemed its code (the previous release's only value).</summary>
    private const string RedeemedValue = "1";

    /// <summary>The marker's value until the family's code is issued.</summary>
    private const string NoCodeYet = "-";

    /// <summary>Writes a new family, marked unredeemed (the marker first: a family key marked unredeemed always had one).</summary>
    private async ValueTask StartUnredeemedAsync(string family, DateTimeOffset ends, CancellationToken cancellationToken)
    {
        var lifetime = Remaining(ends);
        await _store.SetAsync(UnredeemedKey(family), NoCodeYet, lifetime < UnredeemedFamilyLifetime ? lifetime : UnredeemedFamilyLifetime, cancellationToken).ConfigureAwait(false);
        await _store.SetAsync(FamilyKey(family), UnredeemedValue, lifetime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Names the code in its family's marker, kept as long as the family (none: a family of the previous release, or one ended).</summary>
    private async ValueTask BindCodeAsync(string family, string code, DateTimeOffset ends, CancellationToken cancellationToken) =>
        await _store.ReplaceIfEqualAsync(UnredeemedKey(family), NoCodeYet, Hash(code), Remaining(ends), cancellationToken).ConfigureAwait(false);

    /// <summary>Marks the family of a code just taken redeemed, then drops its marker: true while it is live.</summary>
    private async ValueTask<bool> RedeemFamilyAsync(string family, DateTimeOffset ends, CancellationToken cancellationToken)
    {
        var live = await _store.ReplaceIfEqualAsync(FamilyKey(family), UnredeemedValue, RedeemedValue, Remaining(ends), cancellationToken).ConfigureAwait(false)
            || await IsFamilyLiveAsync(family, cancellationToken).ConfigureAwait(false);
        await _store.DeleteAsync(UnredeemedKey(family), cancellationToken).ConfigureAwait(false);
        return live;
    }

    /// <summary>Drops the ended families of a consent's family index; when it is full, ends the unredeemed ones first; throws when it is still full.</summary>
    private async ValueTask PruneFamiliesOrRefuseAsync(string index, CancellationToken cancellationToken)
    {
        if (await StoreIndex.PruneAsync(_store, index, FamilyKey, MaxIndexed, IndexLifetime, cancellationToken).ConfigureAwait(false) < MaxIndexed)
        {
            return;
        }

        await EndUnredeemedAsync(index, cancellationToken).ConfigureAwait(false);
        await PruneOrRefuseAsync(index, FamilyKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the families of <paramref name="index"/> whose code can never be redeemed. Read in this order (each read after the
    /// one before): the markers, the family keys (a redemption marks the key before it drops the marker), the codes, their
    /// "used" keys (a redemption writes it before it takes the code, which it can only before the code expires).
    /// </summary>
    private async ValueTask EndUnredeemedAsync(string index, CancellationToken cancellationToken)
    {
        var members = (await _store.SetMembersAsync(index, cancellationToken).ConfigureAwait(false)).ToArray();
        if (members.Length == 0)
        {
            return;
        }

        var markers = await _store.GetManyAsync([.. members.Select(UnredeemedKey)], cancellationToken).ConfigureAwait(false);
        var values = await _store.GetManyAsync([.. members.Select(FamilyKey)], cancellationToken).ConfigureAwait(false);
        var candidates = members.Select((family, i) => (Family: family, Code: markers[i]))
            .Where((c, i) => values[i] == UnredeemedValue && c.Code != NoCodeYet).ToArray();
        var withCode = candidates.Where(static c => c.Code is not null).ToArray();
        IReadOnlyList<string?> codes = withCode.Length == 0 ? [] : await _store.GetManyAsync([.. withCode.Select(static c => HashedCodeKey(c.Code!))], cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string?> used = withCode.Length == 0 ? [] : await _store.GetManyAsync([.. withCode.Select(static c => HashedUsedCodeKey(c.Code!))], cancellationToken).ConfigureAwait(false);
        var ended = candidates.Where(static c => c.Code is null).Select(static c => c.Family)
            .Concat(withCode.Where((_, i) => codes[i] is null && used[i] is null).Select(static c => c.Family));
        foreach (var family in ended)
        {
            // Only while still marked unredeemed: never one a redemption marked meanwhile.
            if (await _store.DeleteIfEqualAsync(FamilyKey(family), UnredeemedValue, cancellationToken).ConfigureAwait(false))
            {
                await _store.DeleteAsync(UnredeemedKey(family), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The family's marker while its code is not redeemed by this release: <see cref="NoCodeYet"/>, then the code's hash.</summary>
    private static string UnredeemedKey(string family) => "oauth:family-unredeemed:" + Hash(family);
}
