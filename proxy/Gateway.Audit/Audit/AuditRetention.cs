using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Evidence;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// Retention by age, export first: for one tenant, writes every chain's records older than the cut
/// (with each chain's anchor line, so the file verifies offline with <c>gatewayctl audit verify --file</c>)
/// to <c>&lt;directory&gt;/&lt;tenant&gt;/&lt;from&gt;-&lt;to&gt;.jsonl</c>, fsyncs it, renames it into place and fsyncs
/// the directory, and only then retires those records through the sink (<see cref="IAuditRetirement"/>), which moves each chain's
/// anchor. Each chain's records are first checked from its anchor as <c>audit verify</c> checks them
/// (<see cref="AuditTenantChains.ForStoredChain"/>, with the explanations they refer to): only those before the first that does
/// not follow (edited, deleted, moved) are exported and retired, so an anchor never moves past a broken link and verification
/// still names it (logged, event 4073). A record whose time does not read as one is never retired (its age is unknown).
/// An export that cannot be written retires nothing. The PostgreSQL and embedded file sinks retire;
/// the state-store sink cannot and retires nothing: see docs/operations.md.
/// The export carries the explanation line of every retired record that refers to one, so it verifies on its own; once
/// the records are retired, the sink drops the stored explanations no kept record refers to
/// (<see cref="IAuditRetirement.DropUnreferencedExplanationsAsync"/>: the file journal does; PostgreSQL and the state
/// store keep them), since an explanation carries per-run members (<c>run_id</c>, <c>actor_chain</c>) and so grows with
/// the runs, not only with distinct decisions.
/// </summary>
public sealed class AuditRetention
{
    private readonly AuditJournal _journal;
    private readonly ILogger<AuditRetention> _logger;

    public AuditRetention(AuditJournal journal, ILogger<AuditRetention> logger)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(logger);
        _journal = journal;
        _logger = logger;
    }

    /// <summary>Whether the journal's sink can retire records at all.</summary>
    public bool CanRetire => _journal.Store is IAuditRetirement;

    /// <summary>
    /// Exports then retires the tenant's records before <paramref name="cutoff"/>, each chain's up to its first broken link;
    /// returns how many were retired (0 when there were none, or the sink cannot retire). Throws when the export cannot be
    /// written (nothing retired, logged).
    /// </summary>
    public async ValueTask<long> RetireAsync(string tenant, DateTimeOffset cutoff, string exportDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(exportDirectory);
        if (_journal.Store is not IAuditRetirement retirement)
        {
            return 0;
        }

        Identifiers.ThrowIfInvalidTenant(tenant);
        await _journal.WaitForUnawaitedAsync(cancellationToken).ConfigureAwait(false);
        var lines = new List<string>();
        var through = new SortedDictionary<string, (long From, AuditTip Record, byte[] Leaves)>(StringComparer.Ordinal);
        DateTimeOffset? first = null;
        var explanations = new AuditExplanationReader(_journal.Store, tenant);
        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var replica in await _journal.Store.ListReplicasAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            var chain = await ReadRetirableAsync(new AuditPartition(tenant, replica), cutoff, explanations, given, cancellationToken).ConfigureAwait(false);
            if (chain.Through is { } checkedRecord)
            {
                lines.AddRange(chain.Lines);
                through[replica] = (chain.From, checkedRecord, chain.Leaves);
                first = first is { } earlier && earlier <= chain.First ? earlier : chain.First;
            }
        }

        if (through.Count == 0)
        {
            return 0;
        }

        string file;
        try
        {
            file = await WriteExportAsync(exportDirectory, tenant, first!.Value, cutoff, lines, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            AuditLog.AuditRetentionExportFailed(_logger, tenant, ex);
            throw;
        }

        long retired = 0;
        foreach (var (replica, (from, record, leaves)) in through)
        {
            retired += await retirement.RetireAsync(new AuditPartition(tenant, replica), from, record, leaves, cancellationToken).ConfigureAwait(false);
        }

        // The export carries the retired records' explanations; the sink may now drop those no kept record refers to.
        await retirement.DropUnreferencedExplanationsAsync(tenant, cancellationToken).ConfigureAwait(false);

        AuditLog.AuditRetired(_logger, tenant, lines.Count, cutoff, file, retired);
        return retired;
    }

    // One chain's lines to export and retire: its anchor line, then each record before the cut that follows the chain from
    // its anchor (after its explanation's line, the first time the tenant's export refers to it); the retirable part ends
    // at the cut, at a record whose time does not read, or at the first broken link (logged: verification names it).
    private async ValueTask<RetirableChain> ReadRetirableAsync(
        AuditPartition partition, DateTimeOffset cutoff, AuditExplanationReader explanations, HashSet<string> given, CancellationToken cancellationToken)
    {
        await using var stored = await AuditStoredChain.OpenAsync(_journal.Store, partition, 1, cancellationToken).ConfigureAwait(false);
        var chains = AuditTenantChains.ForStoredChain(partition.Tenant, partition.Replica, stored.Anchor.Length, stored.Anchor.LastHash);
        var chain = chains.Chains[partition.Replica];
        var lines = new List<string>();
        if (stored.Anchor.Length > 0)
        {
            lines.Add(AuditAnchorLine.Write(partition.Tenant, partition.Replica, stored.Anchor.Length, stored.Anchor.LastHash));
        }

        DateTimeOffset? first = null;
        using var leaves = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await foreach (var line in stored.ReadAsync().ConfigureAwait(false))
        {
            var (time, digest) = AuditStoredLine.TimeAndDigest(line);
            if (time is not { } at || at >= cutoff)
            {
                await stored.StopAsync().ConfigureAwait(false);
                break;
            }

            var explanation = digest is null ? null : await explanations.GetAsync(digest, cancellationToken).ConfigureAwait(false);
            if (digest is not null && explanation is not null && !chains.KnowsExplanation(digest))
            {
                chains.AddExplanation(digest, explanation);
            }

            if (chains.Check(line) is { } broken)
            {
                if (await stored.MovedAsync().ConfigureAwait(false))
                {
                    // A retirement beside this one took records from under the read: not a break; the next run tries again.
                    throw new AuditChainMovedException(partition);
                }

                AuditLog.AuditRetentionStoppedAtBreak(_logger, partition.Tenant, partition.Replica, chain.NextSeq - 1, broken.Reason, broken.Detail);
                break;
            }

            if (digest is not null && explanation is not null && given.Add(digest))
            {
                lines.Add(AuditExplanationLine.Write(partition.Tenant, digest, explanation));
            }

            lines.Add(line);
            leaves.AppendData(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)));
            first ??= at;
        }

        AuditTip? through = chain.Records > 0 ? new AuditTip(chain.NextSeq - 1, chain.Previous) : null;
        return new RetirableChain(lines, through, first, stored.Anchor.Length + 1, leaves.GetHashAndReset());
    }

    /// <summary>Writes the lines to a temporary file, fsyncs it, renames it into place, fsyncs the directory and returns its path.</summary>
    private static async Task<string> WriteExportAsync(string directory, string tenant, DateTimeOffset from, DateTimeOffset to, List<string> lines, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(directory, tenant);
        Gateway.Store.PrivateFiles.CreateDirectory(folder);
        var name = string.Create(CultureInfo.InvariantCulture, $"{from.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{to.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.jsonl");
        var path = Path.Combine(folder, name);
        var partial = path + ".partial";
        await using (var stream = Gateway.Store.PrivateFiles.Open(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var line in lines)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken).ConfigureAwait(false);
            }

            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        DurableRename.Replace(partial, path);
        return path;
    }

    // A chain's lines to export (the last one the record to retire it through), that record's seq and hash (null: nothing
    // to retire), the first record's time, the first record's seq, and the SHA-256 of every record's leaf hash in seq order.
    private sealed record RetirableChain(List<string> Lines, AuditTip? Through, DateTimeOffset? First, long From, byte[] Leaves);
}
