using System.Text.Json;
using Gateway.Policy.Evidence;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Audit;

/// <summary>
/// Group commit for one chain (a tenant's records written by this replica). Appends queue; whoever
/// finds no group in flight starts the writer, which takes everything queued (up to
/// <see cref="MaxGroup"/>), seals each record on the previous one's hash, and appends the group in one
/// store call (one round trip, or one fsync). Records that arrive meanwhile form the next group. Each
/// append completes only when its group is durable; a failed group fails each of its appends.
/// A record refers to its explanation by digest (<see cref="AuditSeal"/>); the group's store call carries each
/// explanation this writer has not stored yet, and the writer remembers (up to <see cref="MaxRememberedDigests"/>)
/// the digests its acknowledged groups stored, forgetting them all after any failed or conflicted group (the store
/// keeps the first copy of a digest, so sending one again is harmless). Each entry's time is measured by phase
/// (<c>gateway.audit.append.phase</c>): queued until its group starts sealing, sealing its group, its group's store call.
/// Once a group is durable, the receipts its appends asked for are signed together, with one signature
/// (<see cref="ReceiptBatch"/>), before any of them completes: off each request's own path, one signing per group.
/// </summary>
internal sealed class AuditChainWriter
{
    /// <summary>The most records one group carries.</summary>
    public const int MaxGroup = 256;

    /// <summary>The most explanation digests remembered as stored (past it, the memory starts again empty).</summary>
    public const int MaxRememberedDigests = 4096;

    private readonly AuditPartition _partition;
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxAttempts;
    private readonly AuditExplanationCache _explanations;
    private readonly ReceiptKeyRing _receiptKeys;
    private readonly bool _batchReceipts;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();

    // Read and changed only by the one group in flight.
    private readonly HashSet<string> _storedDigests = new(StringComparer.Ordinal);
    private bool _writing;
    private AuditTip? _tip;

    public AuditChainWriter(
        AuditPartition partition,
        IAuditStore store,
        TimeProvider time,
        OversightMetrics metrics,
        ILogger logger,
        int maxAttempts,
        AuditExplanationCache explanations,
        ReceiptKeyRing receiptKeys,
        bool batchReceipts)
    {
        _partition = partition;
        _store = store;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxAttempts = maxAttempts;
        _explanations = explanations;
        _receiptKeys = receiptKeys;
        _batchReceipts = batchReceipts;
    }

    /// <summary>
    /// Queues the entry; the task completes with the sealed record once it is durable, and with the signed receipt of
    /// the claims <paramref name="receipt"/> makes of the record, when given.
    /// </summary>
    public Task<AuditAppended> AppendAsync(AuditEntry entry, Func<AuditRecord, DecisionReceipt>? receipt = null)
    {
        var pending = new Pending(entry, _time.GetTimestamp(), receipt);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            start = !_writing;
            _writing = true;
        }

        if (start)
        {
            _ = WriteQueuedAsync();
        }

        return pending.Completion.Task;
    }

    private async Task WriteQueuedAsync()
    {
        var group = new List<Pending>(16);
        for (var round = 0; ; round++)
        {
            if (round > 0)
            {
                // The first group is written on the caller's thread; later ones never hold it up.
                await Task.Yield();
            }

            group.Clear();
            lock (_gate)
            {
                while (group.Count < MaxGroup && _queue.TryDequeue(out var next))
                {
                    group.Add(next);
                }

                if (group.Count == 0)
                {
                    _writing = false;
                    return;
                }
            }

            await WriteGroupAsync(group).ConfigureAwait(false);
        }
    }

    private async Task WriteGroupAsync(List<Pending> group)
    {
        var started = _time.GetTimestamp();
        foreach (var pending in group)
        {
            _metrics.AuditAppendPhase(OversightMetrics.PhaseQueued, _time.GetElapsedTime(pending.Enqueued, started));
        }

        TimeSpan sealing = default, writing = default;
        try
        {
            for (var attempt = 1; attempt <= _maxAttempts; attempt++)
            {
                var tip = _tip ?? await _store.GetTipAsync(_partition).ConfigureAwait(false);
                var sealStarted = _time.GetTimestamp();
                var sealedGroup = Seal(group, tip);
                sealing += _time.GetElapsedTime(sealStarted);
                if (sealedGroup.Lines.Count == 0)
                {
                    return;
                }

                var writeStarted = _time.GetTimestamp();
                var explanations = ToStore(sealedGroup.Records);
                bool appended;
                try
                {
                    appended = await _store.TryAppendAsync(_partition, tip.Length, sealedGroup.Lines, sealedGroup.LastHash, explanations).ConfigureAwait(false);
                }
                finally
                {
                    writing += _time.GetElapsedTime(writeStarted);
                }

                if (appended)
                {
                    _tip = new AuditTip(tip.Length + sealedGroup.Lines.Count, sealedGroup.LastHash);
                    Remember(explanations);
                    var receipts = SignReceipts(sealedGroup.Records);
                    foreach (var (pendings, record, _) in sealedGroup.Records)
                    {
                        _metrics.AuditAppended(record.Tenant, record.Decision);
                        foreach (var pending in pendings)
                        {
                            if (pending.Receipt is null)
                            {
                                pending.Completion.TrySetResult(new AuditAppended(record, null));
                            }
                            else if (receipts.Error is null)
                            {
                                pending.Completion.TrySetResult(new AuditAppended(record, receipts.Issued![pending]));
                            }
                            else
                            {
                                pending.Completion.TrySetException(receipts.Error);
                            }
                        }
                    }

                    return;
                }

                // Another writer extended this chain (two processes sharing a replica id): re-read the tip.
                _tip = null;
                _storedDigests.Clear();
                _metrics.AuditConflict(_partition.Tenant, _partition.Replica);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + attempt)), _time).ConfigureAwait(false);
            }

            OversightLog.AuditContended(_logger, _partition.Tenant, _maxAttempts);
            Fail(group, new AuditWriteException($"The audit chain of tenant '{_partition.Tenant}' stayed contended for {_maxAttempts} attempts."));
        }
        catch (Exception ex)
        {
            _tip = null;
            _storedDigests.Clear();
            OversightLog.AuditAppendFailed(_logger, ex, _partition.Tenant);
            Fail(group, new AuditWriteException("The audit record could not be written.", ex));
        }
        finally
        {
            for (var i = 0; i < group.Count; i++)
            {
                _metrics.AuditAppendPhase(OversightMetrics.PhaseSeal, sealing);
                _metrics.AuditAppendPhase(OversightMetrics.PhaseWrite, writing);
            }
        }
    }

    // The receipts the group's appends asked for, signed in one batch (or one each when batching is off, to measure it);
    // an error when they could not be: those appends fail (their records are durable; their requests are refused).
    private (Dictionary<Pending, string>? Issued, ReceiptSigningException? Error) SignReceipts(List<(List<Pending> Pendings, AuditRecord Record, AuditExplanation? Explanation)> records)
    {
        List<(Pending Pending, DecisionReceipt Claims)>? asked = null;
        try
        {
            foreach (var (pendings, record, _) in records)
            {
                foreach (var pending in pendings)
                {
                    if (pending.Receipt is { } claims)
                    {
                        (asked ??= new(records.Count)).Add((pending, claims(record)));
                    }
                }
            }

            if (asked is null)
            {
                return (null, null);
            }

            var started = _time.GetTimestamp();
            var key = _receiptKeys.Active;
            var now = _time.GetUtcNow().ToUnixTimeSeconds();
            var issued = new Dictionary<Pending, string>(asked.Count, ReferenceEqualityComparer.Instance);
            if (_batchReceipts)
            {
                var signed = ReceiptBatch.Sign([.. asked.Select(static a => a.Claims)], key, now);
                for (var i = 0; i < signed.Length; i++)
                {
                    issued[asked[i].Pending] = signed[i];
                }
            }
            else
            {
                foreach (var (pending, claims) in asked)
                {
                    issued[pending] = ReceiptBatch.Sign([claims], key, now)[0];
                }
            }

            _metrics.ReceiptsSigned(asked.Count, _batchReceipts, _time.GetElapsedTime(started));
            return (issued, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            OversightLog.ReceiptSigningFailed(_logger, ex, _partition.Tenant);
            return (null, new ReceiptSigningException("The decision's receipt could not be signed.", ex));
        }
    }

    // The group's explanations that this writer has not stored yet, each once.
    private List<AuditExplanation> ToStore(List<(List<Pending> Pendings, AuditRecord Record, AuditExplanation? Explanation)> records)
    {
        var explanations = new List<AuditExplanation>();
        foreach (var (_, _, explanation) in records)
        {
            if (explanation is not null && !_storedDigests.Contains(explanation.Digest) && !explanations.Exists(e => e.Digest == explanation.Digest))
            {
                explanations.Add(explanation);
            }
        }

        return explanations;
    }

    private void Remember(List<AuditExplanation> stored)
    {
        if (_storedDigests.Count + stored.Count > MaxRememberedDigests)
        {
            _storedDigests.Clear();
        }

        foreach (var explanation in stored)
        {
            _storedDigests.Add(explanation.Digest);
        }
    }

    // Seals each record on the previous one (repeated refusals, outcomes and decisions of one kind folded into one: AuditGroupFold);
    // an entry that cannot be sealed fails alone.
    private (List<byte[]> Lines, List<(List<Pending> Pendings, AuditRecord Record, AuditExplanation? Explanation)> Records, string LastHash) Seal(List<Pending> group, AuditTip tip)
    {
        var lines = new List<byte[]>(group.Count);
        var records = new List<(List<Pending>, AuditRecord, AuditExplanation?)>(group.Count);
        var previous = tip.LastHash;
        var now = _time.GetUtcNow();
        var waiting = group.FindAll(static pending => !pending.Completion.Task.IsCompleted);
        foreach (var (entry, pendings) in AuditGroupFold.Fold(waiting, static pending => pending.Entry, _explanations))
        {
            try
            {
                var (record, line, explanation) = AuditSeal.Seal(AuditRecord.From(entry, _partition.Replica, tip.Length + lines.Count + 1, now, previous), _explanations);
                lines.Add(line);
                records.Add((pendings, record, explanation));
                previous = record.Hash!;
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException)
            {
                foreach (var pending in pendings)
                {
                    pending.Completion.TrySetException(ex);
                }
            }
        }

        return (lines, records, previous);
    }

    private static void Fail(List<Pending> group, Exception error)
    {
        foreach (var pending in group)
        {
            pending.Completion.TrySetException(error);
        }
    }

    private sealed class Pending(AuditEntry entry, long enqueued, Func<AuditRecord, DecisionReceipt>? receipt)
    {
        public AuditEntry Entry { get; } = entry;

        /// <summary>When it was queued (<see cref="TimeProvider.GetTimestamp"/>).</summary>
        public long Enqueued { get; } = enqueued;

        /// <summary>The claims of the receipt the append asked for, made of its sealed record; null for none.</summary>
        public Func<AuditRecord, DecisionReceipt>? Receipt { get; } = receipt;

        public TaskCompletionSource<AuditAppended> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
