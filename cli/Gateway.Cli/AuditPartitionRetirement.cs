using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Policy.AuditChain;
using Gateway.Store;
using Gateway.Store.Postgres;

namespace Gateway.Cli;

/// <summary>
/// Retention of the PostgreSQL journal by whole partitions, export first (<c>gatewayctl audit retire-partition</c>): each
/// partition that ended at or before the cut, oldest first, is written to <c>&lt;directory&gt;/&lt;partition&gt;/&lt;tenant&gt;.jsonl</c>
/// in the export format (per chain, in ordinal replica order: the chain's anchor line when records of it were retired
/// before, then its records as stored, each explanation a record refers to on a line before the first such record), so
/// that each file verifies offline with <c>gatewayctl audit verify --file</c>. Each file is fsynced and renamed into
/// place and the directory fsynced; only then is the partition retired (<see cref="PostgresAuditPartitions.RetireAsync"/>),
/// which checks it still holds exactly what was written, moves each chain's anchor to its last record there, and detaches
/// and drops it. The database checks counts and each chain's last hash only, so each chain's records are first checked
/// from its anchor as <c>audit verify</c> checks them (<see cref="AuditTenantChains.ForStoredChain"/>, with the explanations
/// they refer to): a partition holding a broken link (a record edited, deleted or moved) is refused
/// (<see cref="AuditPartitionChainBrokenException"/>), so that no anchor moves past it. A partition that cannot be exported,
/// that does not verify, or that the database refuses to retire, stops the run; the ones before it stay retired, nothing of
/// it or after it changes.
/// </summary>
internal sealed partial class AuditPartitionRetirement(PostgresAuditPartitions partitions)
{
    /// <summary>Retires every partition that ended at or before <paramref name="before"/> (and before now), oldest first; returns each one retired.</summary>
    public async Task<IReadOnlyList<AuditPartitionRetired>> RetireAsync(
        DateTimeOffset before, string directory, bool drop, Action<AuditPartitionRetired> retired, CancellationToken cancellationToken)
    {
        var done = new List<AuditPartitionRetired>();
        var now = DateTimeOffset.UtcNow;
        foreach (var partition in await partitions.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (partition.Upper > before || partition.Upper > now)
            {
                break;
            }

            var (chains, files) = await ExportAsync(partition, directory, cancellationToken).ConfigureAwait(false);
            var records = await partitions.RetireAsync(partition, chains, drop, cancellationToken).ConfigureAwait(false);
            var result = new AuditPartitionRetired(partition, records, chains.Select(static c => c.Tenant).Distinct(StringComparer.Ordinal).Count(), files);
            done.Add(result);
            retired(result);
        }

        return done;
    }

    /// <summary>Writes the partition's export files (one per tenant) durably; returns what they hold of each chain, and the files.</summary>
    internal async Task<(List<AuditRetiredChain> Chains, List<string> Files)> ExportAsync(AuditJournalPartition partition, string directory, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(directory, partition.Name);
        ExportFiles.CreateDirectory(folder);
        var chains = new List<AuditRetiredChain>();
        var files = new List<string>();
        TenantExport? export = null;
        (string Tenant, string Replica)? chain = null;
        AuditTenantChains? check = null;
        var explanations = new Dictionary<(string Tenant, string Digest), string?>();
        long count = 0;
        AuditPartitionRecord last = default;
        try
        {
            await foreach (var record in partitions.ReadAsync(partition, cancellationToken).ConfigureAwait(false))
            {
                if (chain != (record.Tenant, record.Replica))
                {
                    if (chain is not null)
                    {
                        chains.Add(new AuditRetiredChain(last.Tenant, last.Replica, count, last.Seq, last.Hash));
                    }

                    if (export?.Tenant != record.Tenant)
                    {
                        if (export is not null)
                        {
                            files.Add(await export.CompleteAsync(cancellationToken).ConfigureAwait(false));
                        }

                        export = TenantExport.Create(folder, record.Tenant);
                    }

                    chain = (record.Tenant, record.Replica);
                    count = 0;
                    var anchor = await partitions.GetAnchorAsync(record.Tenant, record.Replica, cancellationToken).ConfigureAwait(false);
                    check = AuditTenantChains.ForStoredChain(record.Tenant, record.Replica, anchor?.Seq ?? 0, anchor?.Hash ?? AuditChainLink.GenesisHash);
                    if (anchor is { } anchored)
                    {
                        await export.WriteAsync(AuditAnchorLine.Write(record.Tenant, record.Replica, anchored.Seq, anchored.Hash), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (ReferencedDigest(record.Line) is { } digest)
                {
                    if (!explanations.TryGetValue((record.Tenant, digest), out var explanation))
                    {
                        explanation = explanations[(record.Tenant, digest)] = await partitions.GetExplanationAsync(record.Tenant, digest, cancellationToken).ConfigureAwait(false);
                    }

                    if (explanation is not null && !check!.KnowsExplanation(digest))
                    {
                        check.AddExplanation(digest, explanation);
                    }

                    if (explanation is not null && export!.Given.Add(digest))
                    {
                        await export.WriteAsync(AuditExplanationLine.Write(record.Tenant, digest, explanation), cancellationToken).ConfigureAwait(false);
                    }
                }

                ThrowIfBroken(partition, record, check!);
                await export!.WriteAsync(record.Line, cancellationToken).ConfigureAwait(false);
                count++;
                last = record;
            }

            if (chain is not null)
            {
                chains.Add(new AuditRetiredChain(last.Tenant, last.Replica, count, last.Seq, last.Hash));
                files.Add(await export!.CompleteAsync(cancellationToken).ConfigureAwait(false));
                export = null;
            }
        }
        finally
        {
            export?.Abandon();
        }

        DurableRename.SyncDirectory(folder);
        return (chains, files);
    }

    // The record must be the next link of its chain from the chain's anchor, and its hash column (which the database checks
    // and makes the anchor) its line's own hash.
    private static void ThrowIfBroken(AuditJournalPartition partition, AuditPartitionRecord record, AuditTenantChains check)
    {
        var broken = check.Check(record.Line)
            ?? (string.Equals(check.Chains[record.Replica].Previous, record.Hash, StringComparison.Ordinal)
                ? null
                : (AuditBreakReasons.HashMismatch, string.Create(CultureInfo.InvariantCulture, $"replica {record.Replica} seq {record.Seq}: the hash column is not the line's hash")));
        if (broken is { } link)
        {
            // A gap is a record deleted, or the chain's earlier records in a later partition (a clock set back across midnight).
            throw new AuditPartitionChainBrokenException(link.Reason == AuditBreakReasons.SequenceGap
                ? $"the records of chain {record.Tenant}/{record.Replica} in {partition.Name} are not the next ones after its anchor ({link.Reason}: {link.Detail})"
                : $"the records of chain {record.Tenant}/{record.Replica} in {partition.Name} do not verify from its anchor ({link.Reason}: {link.Detail}): run audit verify");
        }
    }

    // The explanation digest a stored line refers to (null for none, and for a line that is not a JSON object: a hand
    // edit, which verification names).
    private static string? ReferencedDigest(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return AuditExplanationLine.ReferencedDigest(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return null;
        }
    }

    // Tenant slugs as the gateway accepts them: safe as file names.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z")]
    private static partial Regex TenantSlug();

    /// <summary>One tenant's export file being written: to a new <c>.partial</c> (0600), fsynced and renamed into place on completion.</summary>
    private sealed class TenantExport
    {
        private readonly FileStream _stream;
        private readonly string _path;

        private TenantExport(string tenant, string path)
        {
            Tenant = tenant;
            _path = path;
            _stream = ExportFiles.CreatePartial(path);
        }

        public string Tenant { get; }

        /// <summary>The explanation digests given a line in this file.</summary>
        public HashSet<string> Given { get; } = new(StringComparer.Ordinal);

        public static TenantExport Create(string folder, string tenant) =>
            TenantSlug().IsMatch(tenant)
                ? new TenantExport(tenant, Path.Combine(folder, tenant + ".jsonl"))
                : throw new InvalidDataException($"a row of the journal names tenant '{tenant}', which is not a tenant slug");

        public ValueTask WriteAsync(string line, CancellationToken cancellationToken) =>
            _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);

        public async Task<string> CompleteAsync(CancellationToken cancellationToken)
        {
            await using (_stream.ConfigureAwait(false))
            {
                await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                _stream.Flush(flushToDisk: true);
            }

            File.Move(_path + ".partial", _path, overwrite: true);
            return _path;
        }

        public void Abandon()
        {
            _stream.Dispose();
            File.Delete(_path + ".partial");
        }
    }
}

/// <summary>A partition retired: how many records of how many tenants went, and the export files that hold them.</summary>
internal sealed record AuditPartitionRetired(AuditJournalPartition Partition, long Records, int Tenants, IReadOnlyList<string> Files);

/// <summary>A partition holds a record that is not the next link of its chain: nothing of it is retired (<c>not_retirable</c>).</summary>
internal sealed class AuditPartitionChainBrokenException(string message) : InvalidOperationException(message);
