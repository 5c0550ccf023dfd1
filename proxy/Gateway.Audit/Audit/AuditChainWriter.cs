using System.Runtime.CompilerServices;
using Gateway.Policy.Evidence;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

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
/// Once a group is sealed, the receipts its appends asked for (claims made of each sealed record and the entry's request
/// id alone: <see cref="ReceiptClaims"/>) are signed together, with one signature (<see cref="ReceiptBatch"/>), and the
/// batch (signed root, iat, members as seq and request id: <see cref="AuditReceiptBatch"/>) goes into the group's one
/// store call: off each request's own path, one signing per group. A group whose receipts cannot be signed is written
/// not at all: its appends fail.
/// </summary>
internal sealed partial class AuditChainWriter
{
    /// <summary>The most records one group carries.</summary>
    public const int MaxGroup = 256;

    /// <summary>The most explanation digests remembered as stored (past it, the memory starts again empty).</summary>
    public const int MaxRememberedDigests = 4096;

    private readonly AuditPartition _partition;
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly AuditMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxAttempts;
    private readonly AuditExplanationCache _explanations;
    private readonly ReceiptKeyRing _receiptKeys;
    private readonly bool _batchReceipts;
    private readonly Evidence.AuditLeaves? _leaves;
    private readonly Lock _gate = new();

    // The group being written and its appends still waiting, reused: only the one running WriteQueuedAsync (_writing) touches them.
    private readonly List<Pending> _group = new(16);
    private readonly List<Pending> _waiting = new(16);
    private readonly List<string> _leafHashes = new(16);
    private readonly Queue<Pending> _queue = new();

    // Appends that everyone is done with, for the next appends: an append is an object per request otherwise.
    private readonly GroupCommitWaiterPool<Pending> _free = new();

    // What one group's write works through, reused for the next (filled and emptied by the group in flight alone; the
    // store reads them only during its call): the sealed lines and records, the receipts asked for and their batches,
    // the explanations to store.
    private readonly List<byte[]> _lines = new(16);
    private readonly List<(List<Pending> Pendings, AuditRecord Record, AuditExplanation? Explanation)> _records = new(16);
    private readonly List<(Pending Pending, AuditReceiptMember Member, DecisionReceipt Claims)> _asked = new(16);
    private readonly List<AuditReceiptBatch> _batches = new(1);
    private readonly List<AuditExplanation> _unstored = new(4);
    private readonly List<(AuditEntry Entry, List<Pending> Pendings)> _folded = new(16);

    // Read and changed only by the one group in flight.
    private readonly HashSet<string> _storedDigests = new(StringComparer.Ordinal);
    private readonly Action _startWriting;
    private bool _writing;
    private AuditTip? _tip;

    public AuditChainWriter(
        AuditPartition partition,
        IAuditStore store,
        TimeProvider time,
        AuditMetrics metrics,
        ILogger logger,
        int maxAttempts,
        AuditExplanationCache explanations,
        ReceiptKeyRing receiptKeys,
        bool batchReceipts,
        Evidence.AuditLeaves? leaves = null)
    {
        _partition = partition;
        _store = store;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxAttempts = maxAttempts;
        _explanations = explanations;
        _receiptKeys = receiptKeys;
        _startWriting = () => _ = WriteQueuedAsync();
        _batchReceipts = batchReceipts;
        _leaves = leaves;
    }

    /// <summary>The chain this writer appends to.</summary>
    public AuditPartition Partition => _partition;

    /// <summary>
    /// Queues the entry; the task completes with the sealed record once it is durable, and with the signed receipt of
    /// the entry's request over its record when <paramref name="receipt"/> asks for one. Cancelling ends the wait (as
    /// <see cref="Task.WaitAsync(CancellationToken)"/> would), not the append.
    /// </summary>
    public ValueTask<AuditAppended> AppendAsync(AuditEntry entry, bool receipt = false, CancellationToken cancellationToken = default) =>
        AppendAsync(entry, receipt, admission: null, cancellationToken);

    /// <summary>
    /// <see cref="AppendAsync(AuditEntry, bool, CancellationToken)"/> carrying <paramref name="admission"/> into its group's
    /// store call (<see cref="IAdmittingAuditStore"/>): admitted only when the group is appended, its outcome on the
    /// returned <see cref="AuditAppended.Admission"/>.
    /// </summary>
    public ValueTask<AuditAppended> AppendAsync(AuditEntry entry, bool receipt, AdmissionRequest? admission, CancellationToken cancellationToken = default)
    {
        if (admission is not null && _store is not IAdmittingAuditStore)
        {
            throw new InvalidOperationException("This audit sink cannot admit with its appends.");
        }

        var pending = _free.TryTake() ?? new Pending(_free);
        pending.Start(entry, _time.GetTimestamp(), receipt, admission, cancellationToken);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            start = !_writing;
            _writing = true;
        }

        // Held back while this thread goes on with a whole group of another group commit's requests (an admitted batch),
        // so that their records are appended as one group.
        if (start && !GroupCommitDeferral.TryHold(_startWriting))
        {
            _ = WriteQueuedAsync();
        }

        return pending.Task;
    }

    private async Task WriteQueuedAsync()
    {
        var group = _group;
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

            // Every append but the last is on its way; the last goes on here when nothing else waits to be written.
            foreach (var pending in group)
            {
                // Fail closed should a path of the write ever leave one unsettled (the exception made only then).
                if (!pending.IsSettled)
                {
                    pending.Fail(new AuditWriteException("The audit record was not written."));
                }
            }

            if (GroupWaiters.WholeGroupInline)
            {
                CompleteInline(group);
                return;
            }

            for (var i = 0; i < group.Count - 1; i++)
            {
                group[i].CompleteOnThreadPool();
            }

            var last = group[^1];

            // Emptied before another run may take the list, so that it keeps no append alive.
            group.Clear();
            bool idle;
            lock (_gate)
            {
                idle = _queue.Count == 0;
                _writing = !idle;
            }

            if (idle)
            {
                last.CompleteInlineWhenOn();
                return;
            }

            last.CompleteOnThreadPool();
        }
    }

    // GroupWaiters.CompleteGroupsInline: the next group, if one waits, is written from the thread pool at once, and every
    // append of this one goes on here (InlineGroup), taken out of the list before this writer lets go of it (_writing).
    private void CompleteInline(List<Pending> group)
    {
        var taken = InlineGroup<Pending>.TakeOut(group);
        bool idle;
        lock (_gate)
        {
            idle = _queue.Count == 0;
            _writing = !idle;
        }

        if (!idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static writer => _ = writer.WriteQueuedAsync(), this, preferLocal: false);
        }

        taken.CompleteHeld();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteGroupAsync(List<Pending> group)
    {
        var started = _time.GetTimestamp();
        foreach (var pending in group)
        {
            _metrics.AuditAppendPhase(AuditMetrics.PhaseQueued, _time.GetElapsedTime(pending.Enqueued, started));
        }

        TimeSpan sealing = default, writing = default;
        try
        {
            for (var attempt = 1; attempt <= _maxAttempts; attempt++)
            {
                var tip = _tip ?? await _store.GetTipAsync(_partition).ConfigureAwait(false);
                var sealStarted = _time.GetTimestamp();
                var lastHash = Seal(group, tip);
                sealing += _time.GetElapsedTime(sealStarted);
                if (_lines.Count == 0)
                {
                    return;
                }

                if (SignReceipts(_records) is { } signingFailed)
                {
                    FailUnsigned(group, signingFailed);
                    return;
                }

                var writeStarted = _time.GetTimestamp();
                var explanations = ToStore(_records);
                bool appended;
                try
                {
                    appended = await AppendGroupAsync(group, tip.Length, lastHash, explanations).ConfigureAwait(false);
                }
                finally
                {
                    writing += _time.GetElapsedTime(writeStarted);
                }

                if (appended)
                {
                    _tip = new AuditTip(tip.Length + _lines.Count, lastHash);
                    Remember(explanations);
                    foreach (var (pendings, record, _) in _records)
                    {
                        _metrics.AuditAppended(record.Tenant, record.Decision);
                        foreach (var pending in pendings)
                        {
                            pending.Settle(new AuditAppended(record, pending.Receipt ? pending.Issued : null) { Admission = pending.Admitted });
                        }
                    }

                    // After the waiters: the Merkle tree's leaves of this chain, without reading the lines back.
                    AppendLeaves(tip.Length + 1, _records);

                    return;
                }

                // Another writer extended this chain (two processes sharing a replica id): re-read the tip.
                _tip = null;
                _storedDigests.Clear();
                _metrics.AuditConflict(_partition.Tenant, _partition.Replica);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + attempt)), _time).ConfigureAwait(false);
            }

            AuditLog.AuditContended(_logger, _partition.Tenant, _maxAttempts);
            Fail(group, new AuditWriteException($"The audit chain of tenant '{_partition.Tenant}' stayed contended for {_maxAttempts} attempts."));
        }
        catch (Exception ex)
        {
            _tip = null;
            _storedDigests.Clear();
            AuditLog.AuditAppendFailed(_logger, ex, _partition.Tenant);
            Fail(group, new AuditWriteException("The audit record could not be written.", ex));
        }
        finally
        {
            // Emptied for the next group: they keep no record, line or receipt alive.
            _lines.Clear();
            _records.Clear();
            _asked.Clear();
            _batches.Clear();
            _unstored.Clear();
            _folded.Clear();
            _waiting.Clear();
            _admissions.Clear();
            _admitting.Clear();
            for (var i = 0; i < group.Count; i++)
            {
                _metrics.AuditAppendPhase(AuditMetrics.PhaseSeal, sealing);
                _metrics.AuditAppendPhase(AuditMetrics.PhaseWrite, writing);
            }
        }
    }

    private static void Fail(List<Pending> group, Exception error)
    {
        foreach (var pending in group)
        {
            pending.Fail(error);
        }
    }

    /// <summary>
    /// One append and its caller's wait, in one object (<see cref="GroupCommitWaiter{TOutcome}"/>, as the store's group
    /// commits wait): settled by the group's write, completed by <see cref="WriteQueuedAsync"/> once the group is done
    /// (inline with the rest of its group, <see cref="InlineGroup{TWaiter}"/>), or ended first by the caller's
    /// cancellation. Kept for reuse (<see cref="GroupCommitWaiterPool{TWaiter}"/>) once everyone has let go of it.
    /// </summary>
    private sealed class Pending(GroupCommitWaiterPool<Pending> pool) : GroupCommitWaiter<AuditAppended>
    {
        public AuditEntry Entry { get; private set; } = null!;

        /// <summary>When it was queued (<see cref="TimeProvider.GetTimestamp"/>).</summary>
        public long Enqueued { get; private set; }

        /// <summary>Whether the append asked for the receipt of its request over its sealed record.</summary>
        public bool Receipt { get; private set; }

        /// <summary>The receipt signed for it (when it asked for one), once its group's receipts are signed.</summary>
        public string? Issued { get; set; }

        /// <summary>The admission it carries into its group's store call (null for none).</summary>
        public AdmissionRequest? Admission { get; private set; }

        /// <summary>Its admission's outcome, once its group is appended.</summary>
        public AdmissionOutcome? Admitted { get; set; }

        /// <summary>Makes it the append of <paramref name="entry"/> (new, or reset once reused).</summary>
        public void Start(AuditEntry entry, long enqueued, bool receipt, AdmissionRequest? admission, CancellationToken cancellationToken)
        {
            Entry = entry;
            Enqueued = enqueued;
            Receipt = receipt;
            Admission = admission;
            Admitted = null;
            Begin(cancellationToken);
        }

        protected override void Reuse()
        {
            Entry = null!;
            Issued = null;
            Admission = null;
            Admitted = null;
            pool.Return(this);
        }
    }
}
