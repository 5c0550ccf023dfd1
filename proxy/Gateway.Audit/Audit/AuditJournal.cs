using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Audit.Options;
using Gateway.Policy.AuditChain;
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
    /// Every chain of the tenant (replicas in ordinal order), each from its first stored record up to (not
    /// including) the first record whose time reads as at or after <paramref name="before"/> (a line whose time does not
    /// read as one, not a string or not a time, is exported as it is: its seal breaks, and verification names it): a prefix of each chain, lines as
    /// stored, each after the anchor line it follows (<see cref="AuditStoredChain"/>), so that an export verifies offline
    /// record by record (<c>gatewayctl audit verify --file</c>), a retention run beside it or not. Before the
    /// first record that refers to an explanation by digest comes that explanation's line (<see cref="AuditExplanationLine"/>),
    /// as stored; an explanation the sink does not hold has no line (and the export's verification names it missing).
    /// </summary>
    public async IAsyncEnumerable<string> ExportAsync(string tenant, DateTimeOffset before, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        await WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
        var explanations = new AuditExplanationReader(_store, tenant);
        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var replica in await _store.ListReplicasAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            var partition = new AuditPartition(tenant, replica);
            await using var stored = await AuditStoredChain.OpenAsync(_store, partition, 1, cancellationToken).ConfigureAwait(false);
            if (stored.Anchor.Length > 0)
            {
                yield return AuditAnchorLine.Write(tenant, replica, stored.Anchor.Length, stored.Anchor.LastHash);
            }

            await foreach (var line in stored.ReadAsync().ConfigureAwait(false))
            {
                var (time, digest) = AuditStoredLine.TimeAndDigest(line);
                if (time is { } at && at >= before)
                {
                    await stored.StopAsync().ConfigureAwait(false);
                    break;
                }

                if (digest is not null && given.Add(digest) && await explanations.GetAsync(digest, cancellationToken).ConfigureAwait(false) is { } explanation)
                {
                    yield return AuditExplanationLine.Write(tenant, digest, explanation);
                }

                yield return line;
            }
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> records from zero-based <paramref name="start"/> of one chain of the
    /// tenant (this replica's when <paramref name="replica"/> is null), as stored, with the explanation of each record
    /// that refers to one by digest put back (<see cref="AuditExplanationReader"/>).
    /// </summary>
    public async ValueTask<IReadOnlyList<JsonElement>> ReadAsync(string tenant, long start, int limit, CancellationToken cancellationToken = default, string? replica = null)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (replica is not null && !AuditPartition.IsValidReplica(replica))
        {
            throw new ArgumentException("The replica id is not valid.", nameof(replica));
        }

        await WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<JsonElement>(Math.Min(limit, 256));
        var explanations = new AuditExplanationReader(_store, tenant);
        await foreach (var line in _store.ReadAsync(new AuditPartition(tenant, replica ?? Replica), start, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                records.Add(await explanations.ExpandAsync(document.RootElement.Clone(), cancellationToken).ConfigureAwait(false));
            }
            catch (JsonException)
            {
                records.Add(JsonSerializer.SerializeToElement(line, AuditJsonContext.Default.String));
            }

            if (records.Count >= limit)
            {
                break;
            }
        }

        return records;
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

    /// <summary>
    /// Records of every chain of the tenant matching <paramref name="query"/>, in (time, replica, seq)
    /// order: from the sink's index when it has one (<see cref="IAuditQuerySource"/>), else by walking
    /// every chain (the embedded sinks); each with its explanation put back, as <see cref="ReadAsync"/> does.
    /// </summary>
    public async ValueTask<AuditQueryPage> QueryAsync(string tenant, AuditQuery query, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        await WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
        var page = await QueryStoredAsync(tenant, query, cancellationToken).ConfigureAwait(false);
        var explanations = new AuditExplanationReader(_store, tenant);
        var records = new JsonElement[page.Records.Count];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = await explanations.ExpandAsync(page.Records[i], cancellationToken).ConfigureAwait(false);
        }

        return page with { Records = records };
    }

    private async ValueTask<AuditQueryPage> QueryStoredAsync(string tenant, AuditQuery query, CancellationToken cancellationToken)
    {
        // A sink with an index answers every filter (PostgreSQL indexes each request id a record names, folded ones too);
        // the others walk the chains.
        if (_store is IAuditQuerySource source)
        {
            return await source.QueryAsync(tenant, query, cancellationToken).ConfigureAwait(false);
        }

        // Only the page's limit + 1 first matches are held (a heap topped by the last of them), not the tenant's whole log.
        var kept = new PriorityQueue<JsonElement, AuditCursor>(query.NewestFirst
            ? Comparer<AuditCursor>.Default
            : Comparer<AuditCursor>.Create(static (a, b) => b.CompareTo(a)));
        foreach (var replica in await _store.ListReplicasAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            await foreach (var line in _store.ReadAsync(new AuditPartition(tenant, replica), 0, cancellationToken).ConfigureAwait(false))
            {
                if (AuditQueryMatch.TryMatch(line, replica, query, out var key, out var record))
                {
                    kept.Enqueue(record, key!);
                    if (kept.Count > query.Limit + 1)
                    {
                        kept.Dequeue();
                    }
                }
            }
        }

        var matched = new List<(AuditCursor Key, JsonElement Record)>(kept.Count);
        while (kept.TryDequeue(out var record, out var key))
        {
            matched.Add((key, record));
        }

        matched.Reverse();
        return new AuditQueryPage(
            [.. matched.Take(query.Limit).Select(static m => m.Record)],
            matched.Count > query.Limit ? matched[query.Limit - 1].Key : null)
        {
            First = matched.Count > 0 ? matched[0].Key : null,
        };
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
