using StackExchange.Redis;

namespace Gateway.Store;

// The Redis store's keys, values, counters and sets (IKeyValueStore): single commands or one script each.
public sealed partial class RedisStateStore
{
    public ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) =>
        RunAsync("set_if_absent", (key, value, expiry), static (db, s, f) => db.StringSetAsync(s.key, s.value, s.expiry is { } e ? Milliseconds(e) : null, When.NotExists, f), cancellationToken, written: key);

    public async ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        await RunAsync("get", key, static (db, k, f) => db.StringGetAsync(k, f), cancellationToken).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<string?>> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return [];
        }

        var redisKeys = new RedisKey[keys.Count];
        for (var i = 0; i < redisKeys.Length; i++)
        {
            redisKeys[i] = keys[i];
        }

        // A cluster serves one MGET per hash slot: keys no tenant tags (the console's) are read slot by slot.
        var reply = _topology == RedisTopology.Cluster
            ? await RunAsync("get_many", redisKeys, static (db, k, f) => GetBySlotAsync(db, k, f), cancellationToken).ConfigureAwait(false)
            : await RunAsync("get_many", redisKeys, static (db, k, f) => db.StringGetAsync(k, f), cancellationToken).ConfigureAwait(false);
        var values = new string?[reply.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reply[i];
        }

        return values;
    }

    /// <summary>The values of <paramref name="keys"/>, in order, read with one MGET per hash slot they lie in (all at once).</summary>
    private static async Task<RedisValue[]> GetBySlotAsync(IDatabaseAsync db, RedisKey[] keys, CommandFlags flags)
    {
        // Each slot's key indexes, in the order given.
        var slots = Enumerable.Range(0, keys.Length).GroupBy(i => db.Multiplexer.HashSlot(keys[i])).Select(static slot => slot.ToArray()).ToArray();
        if (slots.Length == 1)
        {
            return await db.StringGetAsync(keys, flags).ConfigureAwait(false);
        }

        var replies = await Task.WhenAll(slots.Select(slot => db.StringGetAsync([.. slot.Select(i => keys[i])], flags))).ConfigureAwait(false);
        var values = new RedisValue[keys.Length];
        for (var s = 0; s < slots.Length; s++)
        {
            for (var i = 0; i < slots[s].Length; i++)
            {
                values[slots[s][i]] = replies[s][i];
            }
        }

        return values;
    }

    public async ValueTask SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) =>
        await RunAsync("set", (key, value, expiry), static (db, s, f) => db.StringSetAsync(s.key, s.value, s.expiry is { } e ? Milliseconds(e) : (TimeSpan?)null, When.Always, f), cancellationToken, written: key).ConfigureAwait(false);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("delete", key, static (db, k, f) => db.KeyDeleteAsync(k, f), cancellationToken, written: key);

    public async ValueTask<bool> ReplaceIfEqualAsync(string key, string expected, string value, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        var reply = await EvaluateAsync("replace_if_equal", RedisScripts.ReplaceIfEqual, [key], [expected, value, expiry is { } e ? Milliseconds(e).TotalMilliseconds : 0], cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }

    public async ValueTask<bool> DeleteIfEqualAsync(string key, string expected, CancellationToken cancellationToken = default)
    {
        var reply = await EvaluateAsync("delete_if_equal", RedisScripts.DeleteIfEqual, [key], [expected], cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }

    public async ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default) =>
        await RunAsync("take", key, static (db, k, f) => db.StringGetDeleteAsync(k, f), cancellationToken, written: key).ConfigureAwait(false);

    public async ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        var reply = await EvaluateAsync("increment", RedisScripts.Increment, [key], [delta, expiry is { } e ? Milliseconds(e).TotalMilliseconds : 0], cancellationToken).ConfigureAwait(false);
        return (long)reply;
    }

    public async ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        var reply = await EvaluateAsync("set_add", RedisScripts.SetAdd, [key], [member, expiry is { } e ? Milliseconds(e).TotalMilliseconds : 0], cancellationToken).ConfigureAwait(false);
        return (long)reply;
    }

    public ValueTask<bool> SetRemoveAsync(string key, string member, CancellationToken cancellationToken = default) =>
        RunAsync("set_remove", (key, member), static (db, s, f) => db.SetRemoveAsync(s.key, s.member, f), cancellationToken, written: key);

    public async ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default)
    {
        var reply = await RunAsync("set_members", key, static (db, k, f) => db.SetMembersAsync(k, f), cancellationToken).ConfigureAwait(false);
        var members = new string[reply.Length];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = reply[i]!;
        }

        Array.Sort(members, StringComparer.Ordinal);
        return members;
    }
}
