using System.Security.Cryptography;

namespace Gateway.Store;

/// <summary>
/// Sets that index things kept under keys of their own (a person's console sessions, a consent's token families), kept to
/// the things that still exist: before an add, <see cref="PruneAsync"/> removes the members whose key is gone (expired,
/// ended, revoked), so an index no longer grows with every add while its owner stays active, and a revocation that walks
/// it walks what is live. A member is only ever removed once its key is gone, so the walk still finds every live thing.
/// </summary>
public static class StoreIndex
{
    /// <summary>How many members one prune checks at most, picked at random, while the index is under its cap.</summary>
    public const int PruneBatch = 32;

    /// <summary>
    /// Removes the members of <paramref name="index"/> whose key (<paramref name="keyOf"/> the member) is gone and returns
    /// how many members are left. Every member is checked when the index holds at most <see cref="PruneBatch"/>, or at
    /// least <paramref name="cap"/> (so a full index is refused only for live members); otherwise
    /// <see cref="PruneBatch"/> picked at random: bounded work per add, each removing up to that many dead members. A member
    /// whose key is written again while it is removed (a consent given again) is added back with <paramref name="expiry"/>.
    /// </summary>
    public static async ValueTask<int> PruneAsync(IKeyValueStore store, string index, Func<string, string> keyOf, int cap, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(keyOf);
        var members = (await store.SetMembersAsync(index, cancellationToken).ConfigureAwait(false)).ToArray();
        var checking = members;
        if (members.Length > PruneBatch && members.Length < cap)
        {
            RandomNumberGenerator.Shuffle(checking.AsSpan());
            checking = checking[..PruneBatch];
        }

        if (checking.Length == 0)
        {
            return members.Length;
        }

        var values = await store.GetManyAsync([.. checking.Select(keyOf)], cancellationToken).ConfigureAwait(false);
        var gone = checking.Where((_, i) => values[i] is null).ToArray();
        foreach (var member in gone)
        {
            await store.SetRemoveAsync(index, member, cancellationToken).ConfigureAwait(false);
        }

        var left = members.Length - gone.Length;
        if (gone.Length == 0)
        {
            return left;
        }

        // Written again between the read and the removal (its key is written before it is added): added back.
        var again = await store.GetManyAsync([.. gone.Select(keyOf)], cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < gone.Length; i++)
        {
            if (again[i] is not null)
            {
                await store.SetAddAsync(index, gone[i], expiry, cancellationToken).ConfigureAwait(false);
                left++;
            }
        }

        return left;
    }
}
