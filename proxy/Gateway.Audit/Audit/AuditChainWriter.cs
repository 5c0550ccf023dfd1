using Gateway.Policy.Evidence;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// Group commit for one chain (a tenant's records written by this replica). Appends queue; the sealer takes everything
/// queued (up to <see cref="MaxGroup"/>), seals each record on the previous one's hash, and appends the group in one
/// store call (one round trip, or one fsync). Records that arrive meanwhile form the next group, which the sealer seals on
/// the end the group in flight will leave and sends at once, up to the writer's groups in flight (<c>Gateway:Audit:GroupsInFlight</c>,
/// only for a sink that keeps its calls in order, <see cref="IAuditStore.KeepsAppendOrder"/>; one otherwise): a record waits
/// for its own round trip, not for the one before it. Groups finish in the order they were sealed. Each append completes
/// only when its group is durable; a failed group fails each of its appends. A group that finds the chain longer or shorter
/// than it was sealed for (another writer, or a group before it that was not appended) appends nothing and admits nothing:
/// the writer then seals nothing new until every group in flight has finished, and each such group is sealed again on the
/// chain's end read back, in order.
/// A record's time is its group's seal, an answered request's outcome's the time it was appended (it lingers off the
/// response path, and the agent's next request may be sealed first in another chain), and never earlier than the record
/// before it in the chain (AuditChainWriter.Sealing.cs).
/// A record refers to its explanation by digest (<see cref="AuditSeal"/>); the group's store call carries each
/// explanation this writer has not stored yet, and the writer remembers (up to <see cref="MaxRememberedDigests"/>)
/// the digests its acknowledged groups stored, forgetting them all after any failed or conflicted group (the store
/// keeps the first copy of a digest, so sending one again is harmless). Each entry's time is measured by phase
/// (<c>gateway.audit.append.phase</c>): queued (lingered, for an outcome) until its group starts sealing, sealing its
/// group, its group's store call.
/// Once a group is sealed, the receipts its appends asked for (claims made of each sealed record and the entry's request
/// id alone: <see cref="ReceiptClaims"/>) are signed together, with one signature (<see cref="ReceiptBatch"/>), and the
/// batch (signed root, iat, members as seq and request id: <see cref="AuditReceiptBatch"/>) goes into the group's one
/// store call: off each request's own path, one signing per group. A group whose receipts cannot be signed is written
/// not at all: its appends fail. With <c>Gateway:Evidence:SignInFlight</c> the receipts are signed while the group's call
/// is in flight and their batch stored by a call of its own (AuditChainWriter.InFlight.cs).
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
    private readonly int _groupsInFlight;
    private readonly AuditExplanationCache _explanations;
    private readonly ReceiptKeyRing _receiptKeys;
    private readonly bool _batchReceipts;
    private readonly Evidence.AuditLeaves? _leaves;
    private readonly Action _startSealing;

    // Under _gate: the appends queued, the groups done with (for the next), whether the sealer runs, the groups sealed and
    // not finished, whether a group failed (nothing is sealed until those in flight have finished), the end the next group
    // is sealed on (null: read it from the store).
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private readonly Stack<Group> _idle = new();
    private bool _sealing;
    private int _inFlight;
    private bool _draining;
    private AuditTip? _sealedTip;

    // Appends that everyone is done with, for the next appends: an append is an object per request otherwise.
    private readonly GroupCommitWaiterPool<Pending> _free = new();

    // The explanation digests acknowledged as stored (under _digestsGate: the sealer reads them while a group finishes).
    private readonly Lock _digestsGate = new();
    private readonly HashSet<string> _storedDigests = new(StringComparer.Ordinal);

    // The sealer's alone (one at a time): the finish of the last group it sealed, which the next group's finish follows.
    private Task _lastFinish = Task.CompletedTask;

    // The finishes' alone (one at a time, in order): the chain's end after the last group appended; the leaf hashes.
    private AuditTip? _durableTip;
    private readonly List<string> _leafHashes = new(16);

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
        Evidence.AuditLeaves? leaves = null,
        int groupsInFlight = 1,
        TimeSpan outcomeLinger = default,
        bool signInFlight = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupsInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(groupsInFlight, Options.AuditOptions.MaxGroupsInFlight);
        _partition = partition;
        _store = store;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxAttempts = maxAttempts;
        _explanations = explanations;
        _receiptKeys = receiptKeys;
        _startSealing = () => _ = SealQueuedAsync();
        _batchReceipts = batchReceipts;
        _leaves = leaves;
        _groupsInFlight = store.KeepsAppendOrder ? groupsInFlight : 1;
        _linger = outcomeLinger;
        _signInFlight = signInFlight && store is IAdmittingAuditStore;
    }

    /// <summary>The chain this writer appends to.</summary>
    public AuditPartition Partition => _partition;

    /// <summary>
    /// Queues the entry; the task completes with the sealed record once it is durable, and with the signed receipt of
    /// the entry's request over its record when <paramref name="receipt"/> asks for one. Cancelling ends the wait (as
    /// <see cref="Task.WaitAsync(CancellationToken)"/> would), not the append.
    /// </summary>
    public ValueTask<AuditAppended> AppendAsync(AuditEntry entry, bool receipt = false, CancellationToken cancellationToken = default) =>
        AppendAsync(entry, receipt, admission: null, settle: null, cancellationToken);

    /// <summary>
    /// <see cref="AppendAsync(AuditEntry, bool, CancellationToken)"/> carrying <paramref name="admission"/> into its group's
    /// store call (<see cref="IAdmittingAuditStore"/>): admitted only when the group is appended, its outcome on the
    /// returned <see cref="AuditAppended.Admission"/>; and <paramref name="settle"/>, a token budget's settle, made only when
    /// the group is appended. An append that <paramref name="lingers"/> (an answered request's outcome) waits up to the
    /// writer's linger for the chain's next append that does not, and goes in its group (<see cref="ArmLingerLocked"/>);
    /// its record's time is when it was appended (its answer came back), not when its group is sealed (<see cref="Seal"/>).
    /// </summary>
    public ValueTask<AuditAppended> AppendAsync(AuditEntry entry, bool receipt, AdmissionRequest? admission, BudgetSettle? settle, CancellationToken cancellationToken = default, bool lingers = false)
    {
        if ((admission is not null || settle is not null) && _store is not IAdmittingAuditStore)
        {
            throw new InvalidOperationException("This audit sink cannot admit or settle with its appends.");
        }

        var pending = _free.TryTake() ?? new Pending(_free);
        pending.Start(entry, _time.GetTimestamp(), lingers ? _time.GetUtcNow() : null, receipt, admission, settle, lingers && _linger > TimeSpan.Zero, cancellationToken);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            if (!pending.Lingers)
            {
                _eagerQueued++;
            }

            start = TryClaimSealer();
            if (!start)
            {
                ArmLingerLocked();
            }
        }

        // Held back while this thread goes on with a whole group of another group commit's requests (an admitted batch),
        // so that their records are appended as one group.
        if (start && !GroupCommitDeferral.TryHold(_startSealing))
        {
            _ = SealQueuedAsync();
        }

        return pending.Task;
    }

    // Under _gate: whether the caller becomes the sealer (none runs, and it may seal).
    private bool TryClaimSealer()
    {
        if (_sealing || !MaySeal())
        {
            return false;
        }

        _sealing = true;
        return true;
    }

    // Under _gate: whether a group may be sealed now (something queued, room in flight, no failed group draining).
    // Appends that linger alone wait for one that does not, or for their linger to end (LingerEnded).
    private bool MaySeal() => !_draining && _inFlight < _groupsInFlight && _queue.Count > 0 && (_eagerQueued > 0 || _lingerEnded);

    // Under _gate, the sealer's: whether it goes on; when not, it stops, the linger armed for what waits.
    private bool GoesOnLocked()
    {
        if (MaySeal())
        {
            return true;
        }

        _sealing = false;
        ArmLingerLocked();
        return false;
    }

    // The sealer: seals what is queued into groups and sends each, while there is room in flight.
    private async Task SealQueuedAsync()
    {
        for (var round = 0; ; round++)
        {
            if (round > 0)
            {
                // Nothing more to seal: done here, without a thread-pool hop to find it out.
                lock (_gate)
                {
                    if (!GoesOnLocked())
                    {
                        return;
                    }
                }

                // The first group is sealed on the caller's thread; later ones never hold it up.
                await Task.Yield();
            }

            Group group;
            AuditTip? tip;
            lock (_gate)
            {
                if (!GoesOnLocked())
                {
                    return;
                }

                group = _idle.TryPop(out var idle) ? idle : new Group();
                while (group.Pendings.Count < MaxGroup && _queue.TryDequeue(out var next))
                {
                    group.Pendings.Add(next);
                    if (!next.Lingers)
                    {
                        _eagerQueued--;
                    }
                }

                _lingerEnded &= _queue.Count > 0;

                _inFlight++;
                tip = _sealedTip;
            }

            var started = _time.GetTimestamp();
            foreach (var pending in group.Pendings)
            {
                _metrics.AuditAppendPhase(pending.Lingers ? AuditMetrics.PhaseLingered : AuditMetrics.PhaseQueued, _time.GetElapsedTime(pending.Enqueued, started));
            }

            ValueTask<bool> call;
            try
            {
                call = Send(group, tip ?? await _store.GetTipAsync(_partition).ConfigureAwait(false));
                lock (_gate)
                {
                    // A group that failed meanwhile leaves the end to read again once those in flight have finished.
                    if (!_draining)
                    {
                        _sealedTip = group.End;
                    }
                }
            }
            catch (Exception ex)
            {
                call = ValueTask.FromException<bool>(ex);
            }

            _lastFinish = FinishAsync(group, call, _lastFinish);
        }
    }

    // Seals the group on the chain's end, signs its receipts and starts its store call; a group with nothing left to write
    // (each entry failed alone, or its receipts could not be signed) is done at once.
    private ValueTask<bool> Send(Group group, AuditTip tip)
    {
        var sealStarted = _time.GetTimestamp();
        Seal(group, tip);
        group.Sealing += _time.GetElapsedTime(sealStarted);
        if (Volatile.Read(ref _signingInFlight) && group.Lines.Count > 0)
        {
            return SendSigningInFlight(group);
        }

        if (group.Lines.Count > 0 && SignReceipts(group, group.Batches) is { } signingFailed)
        {
            FailUnsigned(group.Pendings, signingFailed);
            group.ClearAttempt();
        }

        if (group.Lines.Count == 0)
        {
            group.LastHash = tip.LastHash;
            return new ValueTask<bool>(true);
        }

        return AppendGroupAsync(group, ToStore(group));
    }

    private static void Fail(List<Pending> pendings, Exception error)
    {
        foreach (var pending in pendings)
        {
            pending.Fail(error);
        }
    }

    /// <summary>
    /// One append and its caller's wait, in one object (<see cref="GroupCommitWaiter{TOutcome}"/>, as the store's group
    /// commits wait): settled by the group's write, completed by <see cref="Complete"/> once the group is done
    /// (inline with the rest of its group, <see cref="InlineGroup{TWaiter}"/>), or ended first by the caller's
    /// cancellation. Kept for reuse (<see cref="GroupCommitWaiterPool{TWaiter}"/>) once everyone has let go of it.
    /// </summary>
    private sealed class Pending(GroupCommitWaiterPool<Pending> pool) : GroupCommitWaiter<AuditAppended>
    {
        public AuditEntry Entry { get; private set; } = null!;

        /// <summary>When it was queued (<see cref="TimeProvider.GetTimestamp"/>).</summary>
        public long Enqueued { get; private set; }

        /// <summary>When an append no caller awaits (an answered request's outcome) was made: its record's time; null: its group's seal.</summary>
        public DateTimeOffset? Answered { get; private set; }

        /// <summary>Whether the append asked for the receipt of its request over its sealed record.</summary>
        public bool Receipt { get; private set; }

        /// <summary>The receipt signed for it (when it asked for one), once its group's receipts are signed.</summary>
        public string? Issued { get; set; }

        /// <summary>The admission it carries into its group's store call (null for none).</summary>
        public AdmissionRequest? Admission { get; private set; }

        /// <summary>Its admission's outcome, once its group is appended.</summary>
        public AdmissionOutcome? Admitted { get; set; }

        /// <summary>The budget settle it carries into its group's store call (null for none).</summary>
        public BudgetSettle? Settling { get; private set; }

        /// <summary>Whether it waits for the chain's next append that does not (an answered request's outcome).</summary>
        public bool Lingers { get; private set; }

        /// <summary>Makes it the append of <paramref name="entry"/> (new, or reset once reused).</summary>
        public void Start(AuditEntry entry, long enqueued, DateTimeOffset? answered, bool receipt, AdmissionRequest? admission, BudgetSettle? settle, bool lingers, CancellationToken cancellationToken)
        {
            Lingers = lingers;
            Entry = entry;
            Enqueued = enqueued;
            Answered = answered;
            Receipt = receipt;
            Admission = admission;
            Settling = settle;
            Admitted = null;
            Begin(cancellationToken);
        }

        protected override void Reuse()
        {
            Entry = null!;
            Issued = null;
            Admission = null;
            Settling = null;
            Admitted = null;
            pool.Return(this);
        }
    }
}
