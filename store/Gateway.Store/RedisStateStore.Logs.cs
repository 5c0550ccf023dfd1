using System.Collections.Concurrent;
using System.Text;
using StackExchange.Redis;
using System.Runtime.CompilerServices;

namespace Gateway.Store;

// The Redis store's append-only logs (streams) and their hashes, the audit chain's storage (IAuditLogStore).
public sealed partial class RedisStateStore
{
    // A bound on the append keys kept (AppendKeys), not an expected size: past it they are made again from none.
    private const int MaxAppendKeys = 1024;

    // Each (log, hash, companion log)'s script keys, made once and handed to every append of the same logs (a handful per
    // tenant): a call only reads its keys, and an array of them was an allocation per append.
    private readonly ConcurrentDictionary<(string Log, string? Hash, string? Companion), RedisKey[]> _appendKeys = new();

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default) =>
        AppendAsync(logKey, expectedLength, [Encoding.UTF8.GetBytes(entry)], hashKey: null, [], null, [], cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default) =>
        AppendAsync(logKey, expectedLength, entries, hashKey: null, [], null, [], cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(companionLogKey);
        ArgumentNullException.ThrowIfNull(companionEntries);
        return AppendAsync(logKey, expectedLength, entries, hashKey, fields, companionLogKey, companionEntries, cancellationToken);
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashKey);
        return AppendAsync(logKey, expectedLength, entries, hashKey, fields, null, [], cancellationToken);
    }

    // ARGV: expected length, field count, companion count, the (field, value) pairs, the companion entries, then the
    // entries (RedisScripts.Append); the hash is a key of the script only when there are fields to set, the companion
    // log only when there are companion entries (the log's own key stands in for an unused hash before it).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string? companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken)
    {
        ThrowIfInvalidAppend(expectedLength, entries, hashKey, fields);
        var arguments = new RedisValue[AppendValueCount(entries, fields, companionEntries)];
        WriteAppend(arguments, 0, expectedLength, entries, fields, companionEntries);
        var keys = AppendKeys(logKey, fields.Count > 0 ? hashKey! : null, companionEntries.Count > 0 ? companionLogKey! : null);
        var reply = await EvaluateAsync("log_append", RedisScripts.Append, keys, arguments, cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }

    // Entries; or (the admitting append's alone: a group's receipt batches stored apart) companion entries only.
    private static void ThrowIfInvalidAppend(long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, int companions = 0)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count > 0)
        {
            ArgumentNullException.ThrowIfNull(hashKey);
        }

        ArgumentOutOfRangeException.ThrowIfNegative(expectedLength);
        ArgumentOutOfRangeException.ThrowIfZero(entries.Count + companions, nameof(entries));
    }

    private static int AppendValueCount(IReadOnlyList<byte[]> entries, IReadOnlyList<KeyValuePair<string, byte[]>> fields, IReadOnlyList<byte[]> companionEntries) =>
        3 + (2 * fields.Count) + companionEntries.Count + entries.Count;

    // The append script's arguments from values[first]: expected length, field count, companion count, the (field, value)
    // pairs, the companion entries, then the entries (RedisScripts.Append).
    private static void WriteAppend(RedisValue[] values, int first, long expectedLength, IReadOnlyList<byte[]> entries, IReadOnlyList<KeyValuePair<string, byte[]>> fields, IReadOnlyList<byte[]> companionEntries)
    {
        values[first] = expectedLength;
        values[first + 1] = fields.Count;
        values[first + 2] = companionEntries.Count;
        for (var i = 0; i < fields.Count; i++)
        {
            values[first + 3 + (2 * i)] = fields[i].Key;
            values[first + 4 + (2 * i)] = fields[i].Value;
        }

        var at = first + 3 + (2 * fields.Count);
        for (var i = 0; i < companionEntries.Count; i++)
        {
            values[at + i] = companionEntries[i];
        }

        at += companionEntries.Count;
        for (var i = 0; i < entries.Count; i++)
        {
            values[at + i] = entries[i];
        }
    }

    // The script's keys: the log, then the hash when there are fields to set, then the companion log when there are
    // companion entries (the log's own key standing in for an unused hash before it).
    private RedisKey[] AppendKeys(string logKey, string? hashKey, string? companionLogKey)
    {
        var name = (logKey, hashKey, companionLogKey);
        if (_appendKeys.TryGetValue(name, out var keys))
        {
            return keys;
        }

        keys = companionLogKey is not null ? [logKey, hashKey ?? logKey, companionLogKey]
            : hashKey is not null ? [logKey, hashKey]
            : [logKey];
        if (_appendKeys.Count >= MaxAppendKeys)
        {
            _appendKeys.Clear();
        }

        _appendKeys[name] = keys;
        return keys;
    }

    public async ValueTask<string?> HashGetAsync(string hashKey, string field, CancellationToken cancellationToken = default) =>
        await RunAsync("hash_get", (hashKey, field), static (db, s, f) => db.HashGetAsync(s.hashKey, s.field, f), cancellationToken).ConfigureAwait(false);

    public ValueTask<long> HashLengthAsync(string hashKey, CancellationToken cancellationToken = default) =>
        RunAsync("hash_length", hashKey, static (db, k, f) => db.HashLengthAsync(k, f), cancellationToken);

    public ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default) =>
        RunAsync("log_length", logKey, static (db, k, f) => db.StreamLengthAsync(k, f), cancellationToken);

    public async ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        cancellationToken.ThrowIfCancellationRequested();
        if (count == 0)
        {
            return [];
        }

        // Entry IDs are (index + 1)-0, so "start + 1" seeks straight to index start.
        var reply = await RunAsync("log_read", (logKey, start, count), static (db, s, f) => db.StreamRangeAsync(s.logKey, s.start + 1, "+", s.count, flags: f), cancellationToken).ConfigureAwait(false);
        var entries = new string[reply.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = reply[i][LogField]!;
        }

        return entries;
    }
}
