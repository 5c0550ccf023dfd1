using StackExchange.Redis;

namespace Gateway.Store;

// The Redis store's budgets and counters outside an admission (IAdmissionStore): reserve, settle (batched per hash tag), adjust.
public sealed partial class RedisStateStore
{
    // Settles add up whatever their order: a settle joins the shard of the thread it is on, so that the settles of one
    // budget key spread over the shards too.
    private RedisGroupCommit<PendingSettle, long> SettlesFor(ReadOnlySpan<char> tag) =>
        GroupFor(_settles, tag, Environment.CurrentManagedThreadId % _shards, static store => new(store.SettleBatchAsync, store._maxAdmissionBatch));

    public async ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default)
    {
        AdmissionRequest.ThrowIfInvalidAmount(amount, nameof(amount));
        var reply = (RedisResult[])(await EvaluateAsync("reserve", RedisScripts.Reserve, [key], [amount, limit, WindowMilliseconds(window)], cancellationToken).ConfigureAwait(false))!;
        return new BudgetOutcome((long)reply[0] == 1, (long)reply[1], limit, TimeSpan.FromMilliseconds((long)reply[2]), (long)reply[3]);
    }

    /// <remarks>
    /// With <see cref="RedisStoreOptions.BatchBudgets"/> the settle may share its script run with others of
    /// its key's hash tag (and shard) that arrived while the previous settle call of that tag and shard was in flight; a failed
    /// call fails every settle in it (the reservations stand).
    /// </remarks>
    public async ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, long slot, CancellationToken cancellationToken = default)
    {
        var settle = new PendingSettle(key, actual - reserved, WindowMilliseconds(window), slot);
        var tag = HashTag(key);
        if (_batchBudgets && !tag.IsEmpty)
        {
            return await SettlesFor(tag).SendAsync(settle, cancellationToken).ConfigureAwait(false);
        }

        var reply = await EvaluateAsync("settle", RedisScripts.Settle, [key], [settle.Delta, settle.WindowMs, settle.Slot], cancellationToken).ConfigureAwait(false);
        return (long)reply;
    }

    // The batch script: KEYS the budgets, ARGV per settle its delta, window ms and slot. Never cancelled.
    private async Task<long[]> SettleBatchAsync(IReadOnlyList<PendingSettle> batch)
    {
        var keys = new RedisKey[batch.Count];
        var values = new RedisValue[3 * batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            keys[i] = batch[i].Key;
            values[3 * i] = batch[i].Delta;
            values[(3 * i) + 1] = batch[i].WindowMs;
            values[(3 * i) + 2] = batch[i].Slot;
        }

        var reply = (RedisResult[])(await EvaluateAsync("settle_batch", RedisScripts.SettleBatch, keys, values, CancellationToken.None).ConfigureAwait(false))!;
        var used = new long[reply.Length];
        for (var i = 0; i < used.Length; i++)
        {
            used[i] = (long)reply[i];
        }

        return used;
    }

    public async ValueTask<IReadOnlyList<long?>> AdjustCountersAsync(IReadOnlyList<CounterAdjustment> adjustments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adjustments);
        if (adjustments.Count == 0)
        {
            return [];
        }

        var keys = new RedisKey[adjustments.Count];
        var values = new RedisValue[adjustments.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = adjustments[i].Key;
            values[i] = adjustments[i].Delta;
        }

        var reply = (RedisResult[])(await EvaluateAsync("adjust_counters", RedisScripts.AdjustCounters, keys, values, cancellationToken).ConfigureAwait(false))!;
        var adjusted = new long?[reply.Length];
        for (var i = 0; i < adjusted.Length; i++)
        {
            adjusted[i] = (long)reply[i] is var value and >= 0 ? value : null;
        }

        return adjusted;
    }

    /// <summary>One settle of a batch: the budget, the amount to add (negative refunds), the window and the slot reserved in.</summary>
    private readonly record struct PendingSettle(string Key, long Delta, long WindowMs, long Slot);
}
