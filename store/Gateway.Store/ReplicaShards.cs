namespace Gateway.Store;

/// <summary>
/// How many writers or batchers of one kind a replica runs side by side per tenant (#71): audit chains
/// (<c>Gateway:Audit:ChainsPerReplica</c>) and admission batches (<see cref="RedisStoreOptions.AdmissionShards"/>), so that
/// no single one serializes a tenant's requests. The default is one on Redis: on 16 cores, more chains and admission shards
/// cost more CPU per request and held no more requests a second than one, every script running on Redis's one thread
/// (docs/performance.md). The embedded store's audit chains default to more (<c>AuditOptions.DefaultChainsPerReplica</c>).
/// </summary>
public static class ReplicaShards
{
    /// <summary>The most shards an option may ask for.</summary>
    public const int Max = 64;

    /// <summary>One: what measured best on Redis, on 2 and on 16 cores.</summary>
    public const int Default = 1;

    /// <summary>True when <paramref name="shards"/> is from 1 to <see cref="Max"/>.</summary>
    public static bool IsValid(int shards) => shards is >= 1 and <= Max;

    /// <summary>
    /// The shard (0 to <paramref name="shards"/> - 1) of <paramref name="key"/>: FNV-1a over its characters, the same in
    /// every process and run (never <see cref="string.GetHashCode()"/>, which is randomized per process).
    /// </summary>
    public static int Of(ReadOnlySpan<char> key, int shards)
    {
        if (shards <= 1)
        {
            return 0;
        }

        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)shards);
    }
}
