using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Policy.AuditChain;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// Retention by age, export first: for one tenant, writes every chain's records older than the cut
/// (with each chain's anchor line, so the file verifies offline with <c>gatewayctl audit verify --file</c>)
/// to <c>&lt;directory&gt;/&lt;tenant&gt;/&lt;from&gt;-&lt;to&gt;.jsonl</c>, fsyncs it, renames it into place and fsyncs
/// the directory, and only then retires those records through the sink (<see cref="IAuditRetirement"/>), which moves each chain's
/// anchor. An export that cannot be written retires nothing. The PostgreSQL and embedded file sinks retire;
/// the state-store sink cannot and retires nothing: see docs/operations.md.
/// Retention retires records only, never a stored explanation: a kept record may share its explanation (by
/// digest) with a retired one, and a tenant's explanations are one per distinct decision, not per request. The
/// export carries the explanation line of every retired record that refers to one, so it verifies on its own.
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
    /// Exports then retires the tenant's records before <paramref name="cutoff"/>; returns how many were
    /// retired (0 when there were none, or the sink cannot retire). Throws when the export cannot be
    /// written (nothing retired, logged).
    /// </summary>
    public async ValueTask<long> RetireAsync(string tenant, DateTimeOffset cutoff, string exportDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(exportDirectory);
        if (_journal.Store is not IAuditRetirement retirement)
        {
            return 0;
        }

        var lines = new List<string>();
        var through = new SortedDictionary<string, long>(StringComparer.Ordinal);
        DateTimeOffset? first = null;
        await foreach (var line in _journal.ExportAsync(tenant, cutoff, cancellationToken).ConfigureAwait(false))
        {
            lines.Add(line);
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (AuditAnchorLine.IsAnchor(root) || AuditExplanationLine.IsExplanation(root))
            {
                continue;
            }

            through[root.GetProperty("replica").GetString()!] = root.GetProperty("seq").GetInt64();
            first ??= AuditStoredLine.Time(line);
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
        foreach (var (replica, seq) in through)
        {
            retired += await retirement.RetireAsync(new AuditPartition(tenant, replica), seq, cancellationToken).ConfigureAwait(false);
        }

        AuditLog.AuditRetired(_logger, tenant, lines.Count, cutoff, file, retired);
        return retired;
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
}
