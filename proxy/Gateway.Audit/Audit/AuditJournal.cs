using System.Collections.Concurrent;
using Gateway.Audit.Options;
using Gateway.Policy.Evidence;
using Gateway.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Runtime.CompilerServices;

namespace Gateway.Audit;

/// <summary>
/// The tamper-evident journal of decisions: <see cref="Chains"/> hash chains per tenant per replica
/// (<see cref="AuditPartition"/>), so replicas never contend and a replica's appends spread over its chains (a request's
/// records all in the one its request id picks: <see cref="ChainOf"/>), each written with group commit
/// (<see cref="AuditChainWriter"/>). <see cref="AppendAsync(AuditEntry, CancellationToken)"/> completes only once the record is
/// durable; when it throws (<see cref="AuditWriteException"/>) the host must fail the request closed. An answered
/// request's outcome is appended without the caller waiting (<see cref="AppendUnawaited"/>); reads wait for those.
/// A record refers to its explanation by digest (<c>explanation_digest</c>), the explanation being stored once per
/// tenant and digest in the same sink (<see cref="AuditExplanation"/>); reads put it back, exports give it on an
/// explanation line before the first record that refers to it, and verification checks it is there and intact.
/// Records written before digests carry their explanation inline and read and verify as they always did.
/// </summary>
public sealed partial class AuditJournal
{
    private readonly IAuditStore _store;
    private readonly IReadOnlyList<IAuditExporter> _exporters;
    private readonly TimeProvider _time;
    private readonly AuditMetrics _metrics;
    private readonly ILogger<AuditJournal> _logger;
    private readonly int _maxAttempts;
    private readonly int _groupsInFlight;
    private readonly TimeSpan _outcomeLinger;
    private readonly ReceiptKeyRing _receiptKeys;
    private readonly EvidenceOptions _evidence;
    // Per tenant, this replica's chains (Chains of them), each made when it is first written to.
    private readonly ConcurrentDictionary<string, AuditChainWriter?[]> _writers = new(StringComparer.Ordinal);
    private readonly AuditExplanationCache _explanations = new();

    // Told each appended record's leaf hash, so that the Merkle tree of this replica's chains is not read back from the sink.
    private readonly Evidence.AuditLeaves? _leaves;

    public AuditJournal(
        IAuditStore store,
        IEnumerable<IAuditExporter> exporters,
        TimeProvider time,
        AuditMetrics metrics,
        IOptions<AuditOptions> options,
        IOptions<EvidenceOptions> evidence,
        ReceiptKeyRing receiptKeys,
        ILogger<AuditJournal> logger,
        Evidence.AuditLeaves? leaves = null,
        IAdmissionStore? admissions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(evidence);
        _store = store;
        _exporters = [.. exporters];
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxAttempts = options.Value.MaxAppendAttempts;
        _groupsInFlight = options.Value.EffectiveGroupsInFlight;
        _outcomeLinger = options.Value.OutcomeLinger;
        _backlog = new AuditBacklog(options.Value.BacklogCapacityPerTenant);
        _receiptKeys = receiptKeys;
        _evidence = evidence.Value;
        _leaves = leaves;
        _admissions = admissions;
        Replica = options.Value.ReplicaId ?? AuditPartition.DefaultReplica();
        Chains = options.Value.ChainsPerReplica ?? AuditOptions.DefaultChainsPerReplica(store.ChainsAppendSideBySide, Environment.ProcessorCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(Chains, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Chains, AuditPartition.MaxChains);
    }

    /// <summary>The sink in use.</summary>
    public IAuditStore Store => _store;

    /// <summary>
    /// Appends the entry to its tenant's chain of this replica and completes once it is durable. While
    /// a group is being written, arriving entries queue and go together in the next group, each still
    /// hash-linked to the one before.
    /// </summary>
    /// <remarks>
    /// When the sink cannot take it (<see cref="AuditWriteException"/>), the entry joins the backlog as
    /// the refusal the host answers with, and is written once the sink recovers.
    /// </remarks>
    public async ValueTask<AuditRecord> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        (await AppendCoreAsync(entry, receipt: false, answered: false, cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>
    /// Appends the entry as <see cref="AppendAsync(AuditEntry, CancellationToken)"/> does, with the receipt of its request
    /// (<see cref="AuditEntry.RequestId"/>) over the sealed record (claims: <see cref="ReceiptClaims"/>), signed with the
    /// other receipts of its group (one signature per group: <see cref="ReceiptBatch"/>) and stored by batch with the
    /// group (<see cref="AuditReceiptBatch"/>), so that <see cref="ReadReceiptsAsync"/> gives it again.
    /// </summary>
    /// <exception cref="ReceiptSigningException">The receipt could not be signed: nothing of its group was written; refuse the request (the refusal joins the backlog).</exception>
    public ValueTask<AuditAppended> AppendWithReceiptAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        AppendCoreAsync(entry, receipt: true, answered: false, cancellationToken);

    /// <summary>
    /// <see cref="AppendAsync(AuditEntry, CancellationToken)"/> without its own await: the appended record as
    /// <see cref="AuditAppended"/> (no receipt), for a caller that awaits it anyway (one asynchronous step fewer per append).
    /// </summary>
    public ValueTask<AuditAppended> AppendWithoutReceiptAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        AppendCoreAsync(entry, receipt: false, answered: false, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<AuditAppended> AppendCoreAsync(AuditEntry entry, bool receipt, bool answered, CancellationToken cancellationToken, AdmissionRequest? admission = null, BudgetSettle? settle = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Identifiers.ThrowIfInvalidTenant(entry.Tenant);
        cancellationToken.ThrowIfCancellationRequested();
        AuditAppended appended;
        try
        {
            appended = await WriterOf(entry).AppendAsync(entry, receipt, admission, settle, cancellationToken, lingers: answered).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or ReceiptSigningException)
        {
            // Nothing of its group was written: the refusal the host answers with (AuditBacklog.RefusalOf) is recorded once the
            // sink takes it (without its admission or settle: nothing was admitted or settled, and a backlogged entry carries neither).
            if (!_backlog.TryAdd(entry, answered, AuditBacklog.RefusalOf(ex, admission)))
            {
                _metrics.AuditBacklogDropped(entry.Tenant);
                AuditLog.AuditBacklogFull(_logger, entry.Tenant, _backlog.HoldsItsShare(entry.Tenant) ? _backlog.CapacityPerTenant : AuditBacklog.Capacity);
            }

            throw;
        }

        if (StandsFirstFor(appended.Record, entry))
        {
            await ExportAsync(appended.Record, cancellationToken).ConfigureAwait(false);
        }

        return appended;
    }

    // A record standing for several requests (folded decisions or outcomes, repeated refusals) is exported once, by its first request.
    private static bool StandsFirstFor(AuditRecord record, AuditEntry entry) =>
        record.Count is null
        || string.Equals(
            record.Decisions is { Count: > 0 } decisions ? decisions[0].RequestId
            : record.Outcomes is { Count: > 0 } outcomes ? outcomes[0].RequestId
            : record.RequestIds?.FirstOrDefault(),
            entry.RequestId,
            StringComparison.Ordinal);

    /// <summary>Walks every chain of the tenant from genesis and names the first broken link (<see cref="AuditVerifier"/>).</summary>
    public async ValueTask<AuditVerification> VerifyAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
        return await new AuditVerifier(_store, _logger).VerifyAsync(tenant, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The stored decision receipts of the records <paramref name="fromSeq"/> .. <paramref name="toSeq"/> of the tenant's
    /// chain on <paramref name="replica"/>, in seq order: rebuilt from the stored batches and the records
    /// (<see cref="AuditReceiptReader"/>), each exactly the string its agent was given in <c>Gamut-Receipt</c>.
    /// </summary>
    /// <exception cref="AuditReceiptMismatchException">A batch cannot be rebuilt from its records (named).</exception>
    public ValueTask<IReadOnlyList<AuditReceipt>> ReadReceiptsAsync(string tenant, string replica, long fromSeq, long toSeq, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentException.ThrowIfNullOrEmpty(replica);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromSeq, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toSeq, fromSeq);
        return AuditReceiptReader.ReadAsync(_store, new AuditPartition(tenant, replica), fromSeq, toSeq, cancellationToken);
    }

    /// <summary>The stored receipt of the request <paramref name="requestId"/> of the tenant, or null when it has none (<see cref="ReadReceiptsAsync(string, string, long, long, CancellationToken)"/>).</summary>
    public async ValueTask<AuditReceipt?> ReadReceiptAsync(string tenant, string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        var page = await QueryStoredAsync(tenant, new AuditQuery { RequestId = requestId, Limit = 16 }, cancellationToken).ConfigureAwait(false);
        foreach (var record in page.Records)
        {
            if (record.TryGetProperty("replica", out var replica) && replica.GetString() is { } name && record.TryGetProperty("seq", out var seq))
            {
                var receipts = await ReadReceiptsAsync(tenant, name, seq.GetInt64(), seq.GetInt64(), cancellationToken).ConfigureAwait(false);
                if (receipts.FirstOrDefault(r => r.RequestId == requestId) is { } receipt)
                {
                    return receipt;
                }
            }
        }

        return null;
    }

    private async ValueTask ExportAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        // By index: a foreach over the interface boxed an enumerator for every record, even with no exporter at all.
        for (var i = 0; i < _exporters.Count; i++)
        {
            var exporter = _exporters[i];
            try
            {
                await exporter.ExportAsync(record, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                AuditLog.AuditExportFailed(_logger, ex, record.Tenant, record.Seq);
            }
        }
    }
}
