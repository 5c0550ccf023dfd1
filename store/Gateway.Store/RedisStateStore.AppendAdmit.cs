using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Gateway.Store;

// The Redis store's append that admits (IAuditLogStore.TryAppendAdmittingAsync): an audit group's lines and its requests'
// admissions in one script run (RedisScripts.AppendAdmit).
public sealed partial class RedisStateStore
{
    /// <remarks>
    /// One script run (operation <c>log_append_admit</c>; <c>log_append_settle</c> when it carries settles and no
    /// admission) for the append, every settle that can ride it (its budget key of the log key's hash tag,
    /// <see cref="RedisStoreOptions.BatchBudgets"/> on), and every admission that can ride it: its nonce key carries the
    /// log key's hash tag (one Redis Cluster slot; the gateway's keys all carry <c>{tenant}</c>) and its budget, when
    /// asked, rides too (<see cref="RedisStoreOptions.BatchBudgets"/> on, the same tag). Each other admission is admitted
    /// with <see cref="AdmitAsync"/> right after the append succeeded, in order, never cancelled (the append it follows is
    /// made), each other settle with <see cref="SettleAsync"/> before them (one that fails leaves its reservation standing).
    /// A script that did not append settled and admitted nothing.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AppendAdmission> TryAppendAdmittingAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string? companionLogKey, IReadOnlyList<byte[]> companionEntries, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logKey);
        ArgumentNullException.ThrowIfNull(companionEntries);
        ArgumentNullException.ThrowIfNull(admissions);
        ArgumentNullException.ThrowIfNull(settles);
        ThrowIfInvalidAppend(expectedLength, entries, hashKey, fields, companionEntries.Count);
        if (companionEntries.Count > 0)
        {
            ArgumentNullException.ThrowIfNull(companionLogKey);
        }

        var tag = HashTag(logKey);
        var riding = new List<AdmissionRequest>(admissions.Count);
        var rides = new bool[admissions.Count];
        for (var i = 0; i < admissions.Count; i++)
        {
            ThrowIfInvalid(admissions[i]);
            rides[i] = Rides(tag, admissions[i]);
            if (rides[i])
            {
                riding.Add(admissions[i]);
            }
        }

        List<BudgetSettle>? apart = null;
        var settling = new List<BudgetSettle>(settles.Count);
        foreach (var settle in settles)
        {
            ArgumentNullException.ThrowIfNull(settle.Key, nameof(settles));
            (!tag.IsEmpty && BudgetRides(tag, settle.Key) ? settling : apart ??= []).Add(settle);
        }

        var appendValues = AppendValueCount(entries, fields, companionEntries);
        var (admissionKeys, admissionValues) = AdmissionSize(riding);
        var keys = new RedisKey[3 + settling.Count + admissionKeys];
        keys[0] = logKey;
        keys[1] = fields.Count > 0 ? hashKey! : logKey;
        keys[2] = companionEntries.Count > 0 ? companionLogKey! : logKey;
        var values = new RedisValue[1 + appendValues + 1 + (3 * settling.Count) + admissionValues];
        values[0] = appendValues + 1;
        WriteAppend(values, 1, expectedLength, entries, fields, companionEntries);
        var at = 1 + appendValues;
        values[at++] = settling.Count;
        for (var i = 0; i < settling.Count; i++)
        {
            keys[3 + i] = settling[i].Key;
            values[at++] = settling[i].Actual - settling[i].Reserved;
            values[at++] = WindowMilliseconds(settling[i].Window);
            values[at++] = settling[i].Slot;
        }

        WriteAdmissions(riding, keys, 3 + settling.Count, values, at);

        // Named apart when it carries settles and no admission (an outcomes' group), so that the two show apart in the metrics.
        var operation = riding.Count == 0 && settling.Count > 0 ? "log_append_settle" : "log_append_admit";
        var reply = await EvaluateToStringAsync(operation, RedisScripts.AppendAdmit, keys, values, cancellationToken).ConfigureAwait(false);
        var text = reply.Span;
        if (text.SequenceEqual("0"u8))
        {
            return new AppendAdmission(false, []);
        }

        if (!text.StartsWith("1"u8) || (text.Length > 1 && text[1] != (byte)' ') || (text.Length == 1) != (riding.Count == 0))
        {
            // Fail closed: a reply of another shape admits nobody (the caller fails the group).
            throw Record(operation, new StateStoreUnavailableException($"Redis answered {operation} with a reply of another shape."));
        }

        AdmissionOutcome[] rode = riding.Count == 0 ? [] : ToAdmissions(operation, text[2..], riding);
        foreach (var settle in apart ?? [])
        {
            try
            {
                await SettleAsync(settle.Key, settle.Reserved, settle.Actual, settle.Window, settle.Slot, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StateStoreUnavailableException)
            {
                // The append is made: a settle that fails here leaves its reservation standing (counted as spent, as a settle
                // that fails alone does; the error is counted against its operation), never the group failed after the fact.
            }
        }

        var outcomes = new AdmissionOutcome[admissions.Count];
        var next = 0;
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = rides[i] ? rode[next++] : await AdmitAsync(admissions[i], CancellationToken.None).ConfigureAwait(false);
        }

        return new AppendAdmission(true, outcomes);
    }

    // Whether an admission rides the append's script run: its nonce key of the log's hash tag, its budget (when asked) riding too.
    private bool Rides(ReadOnlySpan<char> logTag, AdmissionRequest request)
    {
        var tag = HashTag(request.NonceKey);
        return !tag.IsEmpty && tag.SequenceEqual(logTag) && (request.Budget is not { } budget || BudgetRides(tag, budget.Key));
    }
}
