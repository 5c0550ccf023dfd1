using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Oversight.Options;
using Gateway.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Audit;

/// <summary>
/// The tamper-evident journal of decisions: one hash chain per tenant. <see cref="AppendAsync"/>
/// completes only once the record is durable; when it throws (<see cref="AuditWriteException"/>)
/// the host must fail the request closed.
/// </summary>
public sealed class AuditJournal
{
    private readonly IAuditStore _store;
    private readonly IReadOnlyList<IAuditExporter> _exporters;
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger<AuditJournal> _logger;
    private readonly int _maxAttempts;
    private readonly ConcurrentDictionary<string, TenantChain> _chains = new(StringComparer.Ordinal);

    public AuditJournal(
        IAuditStore store,
        IEnumerable<IAuditExporter> exporters,
        TimeProvider time,
        OversightMetrics metrics,
        IOptions<OversightOptions> options,
        ILogger<AuditJournal> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _exporters = [.. exporters];
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxAttempts = options.Value.Audit.MaxAppendAttempts;
    }

    /// <summary>The sink in use.</summary>
    public IAuditStore Store => _store;

    /// <summary>
    /// Appends the entry to its tenant's chain: builds the record on the tip, appends at the expected
    /// length, and retries when another writer won the race. Appends of one tenant are serialised within
    /// this process and the tip this process last wrote is remembered, so a replica never races itself
    /// and an uncontended append is one store call; only another replica's append costs a re-read.
    /// </summary>
    public async ValueTask<AuditRecord> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Identifiers.ThrowIfInvalidTenant(entry.Tenant);
        var chain = _chains.GetOrAdd(entry.Tenant, static _ => new TenantChain());
        await chain.Gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; attempt <= _maxAttempts; attempt++)
            {
                var tip = chain.Tip ?? await _store.GetTipAsync(entry.Tenant, cancellationToken);
                var (record, line) = Build(entry, tip);
                if (await _store.TryAppendAsync(entry.Tenant, tip.Length, line, record.Hash!, cancellationToken))
                {
                    chain.Tip = new AuditTip(tip.Length + 1, record.Hash!);
                    _metrics.AuditAppended(entry.Tenant, entry.Decision);
                    await ExportAsync(record, cancellationToken);
                    return record;
                }

                // Another replica appended (or the chain changed under us): read the tip again.
                chain.Tip = null;
                _metrics.AuditConflict(entry.Tenant);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + attempt)), _time, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is StateStoreUnavailableException or IOException or InvalidDataException or UnauthorizedAccessException or JsonException)
        {
            chain.Tip = null;
            OversightLog.AuditAppendFailed(_logger, ex, entry.Tenant);
            throw new AuditWriteException("The audit record could not be written.", ex);
        }
        finally
        {
            chain.Gate.Release();
        }

        OversightLog.AuditContended(_logger, entry.Tenant, _maxAttempts);
        throw new AuditWriteException($"The audit chain of tenant '{entry.Tenant}' stayed contended for {_maxAttempts} attempts.");
    }

    /// <summary>Walks the tenant's chain from the start and names the first broken link.</summary>
    public async ValueTask<AuditVerification> VerifyAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var previous = AuditCanonicalJson.GenesisHash;
        long index = 0;
        await foreach (var line in _store.ReadAsync(tenant, 0, cancellationToken))
        {
            var (reason, detail, hash) = Check(line, tenant, index, previous);
            if (reason is not null)
            {
                OversightLog.AuditChainBroken(_logger, tenant, index, reason);
                return new AuditVerification
                {
                    Tenant = tenant,
                    Intact = false,
                    Records = index,
                    TipHash = previous,
                    BrokenAtIndex = index,
                    Reason = reason,
                    Detail = detail,
                };
            }

            previous = hash!;
            index++;
        }

        return new AuditVerification { Tenant = tenant, Intact = true, Records = index, TipHash = previous };
    }

    /// <summary>Up to <paramref name="limit"/> records from zero-based <paramref name="start"/>, as stored.</summary>
    public async ValueTask<IReadOnlyList<JsonElement>> ReadAsync(string tenant, long start, int limit, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var records = new List<JsonElement>(Math.Min(limit, 256));
        await foreach (var line in ReadLinesAsync(tenant, start, cancellationToken))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                records.Add(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                records.Add(JsonSerializer.SerializeToElement(line, OversightJsonContext.Default.String));
            }

            if (records.Count >= limit)
            {
                break;
            }
        }

        return records;
    }

    private (AuditRecord Record, string Line) Build(AuditEntry entry, AuditTip tip) =>
        Seal(AuditRecord.From(entry, tip.Length + 1, _time.GetUtcNow(), tip.LastHash));

    internal static (AuditRecord Record, string Line) Seal(AuditRecord unsigned)
    {
        var element = JsonSerializer.SerializeToElement(unsigned, OversightJsonContext.Default.AuditRecord);
        var hash = AuditCanonicalJson.ComputeHash(element);
        var record = unsigned with { Hash = hash };
        var line = AuditCanonicalJson.Canonicalize(JsonSerializer.SerializeToElement(record, OversightJsonContext.Default.AuditRecord));

        // Round-trip through UTF-8 exactly as the sink stores it, so that every appended line verifies.
        using var stored = JsonDocument.Parse(Encoding.UTF8.GetBytes(line));
        if (!string.Equals(AuditCanonicalJson.ComputeHash(stored.RootElement), hash, StringComparison.Ordinal))
        {
            throw new ArgumentException("The audit entry holds text that does not survive UTF-8 (a lone surrogate).", nameof(unsigned));
        }

        return (record, line);
    }

    private static (string? Reason, string? Detail, string? Hash) Check(string line, string tenant, long index, string previous)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return (AuditBreakReasons.MalformedRecord, "not JSON", null);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("seq", out var seq) || seq.ValueKind != JsonValueKind.Number || !seq.TryGetInt64(out var seqValue)
                || !root.TryGetProperty("tenant", out var recordTenant) || recordTenant.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("prev_hash", out var prevHash) || prevHash.ValueKind != JsonValueKind.String
                || !root.TryGetProperty(AuditCanonicalJson.HashMember, out var hash) || hash.ValueKind != JsonValueKind.String)
            {
                return (AuditBreakReasons.MalformedRecord, "missing seq, tenant, prev_hash or hash", null);
            }

            if (!recordTenant.ValueEquals(tenant))
            {
                return (AuditBreakReasons.TenantMismatch, $"record names tenant '{recordTenant.GetString()}'", null);
            }

            if (seqValue != index + 1)
            {
                return (AuditBreakReasons.SequenceGap, $"expected seq {index + 1}, found {seqValue}", null);
            }

            if (!prevHash.ValueEquals(previous))
            {
                return (AuditBreakReasons.PrevHashMismatch, "prev_hash is not the previous record's hash", null);
            }

            string computed;
            try
            {
                computed = AuditCanonicalJson.ComputeHash(root);
            }
            catch (FormatException ex)
            {
                return (AuditBreakReasons.MalformedRecord, ex.Message, null);
            }

            var stored = hash.GetString()!;
            return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(stored))
                ? (null, null, stored)
                : (AuditBreakReasons.HashMismatch, "the content does not hash to the recorded hash", null);
        }
    }

    private async IAsyncEnumerable<string> ReadLinesAsync(string tenant, long start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var line in _store.ReadAsync(tenant, start, cancellationToken))
        {
            yield return line;
        }
    }

    private async ValueTask ExportAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        foreach (var exporter in _exporters)
        {
            try
            {
                await exporter.ExportAsync(record, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                OversightLog.AuditExportFailed(_logger, ex, record.Tenant, record.Seq);
            }
        }
    }

    /// <summary>One tenant's chain as this process sees it: an append gate and the tip it last wrote.</summary>
    private sealed class TenantChain
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public AuditTip? Tip { get; set; }
    }
}
