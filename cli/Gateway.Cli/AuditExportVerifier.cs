using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Cli;

/// <summary>
/// Verifies an audit export (JSON Lines from <c>GET /admin/v1/tenants/{t}/audit/export</c>) offline, without a
/// gateway: per partition (tenant and replica), every record's <c>seq</c>, <c>prev_hash</c> link and seal
/// (SHA-256 over its canonical form without <c>hash</c>), from genesis or from the anchor line that starts the
/// partition (<c>{"anchor":true,"tenant":…,"replica":…,"seq":N,"hash":…}</c>: records 1..N were retired and
/// <c>hash</c> is record N's). Names the first broken link by line number. The reasons are the journal's
/// (<c>docs/approvals-and-audit.md</c>); the link check is the journal's own (<see cref="AuditChainLink"/>).
/// </summary>
internal static class AuditExportVerifier
{
    public static AuditExportResult Verify(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var chains = new SortedDictionary<string, AuditChainLink>(StringComparer.Ordinal);
        string? tenant = null;
        long lineNumber = 0;
        long records = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var (reason, detail) = Check(line, chains, ref tenant);
            if (reason is not null)
            {
                return new AuditExportResult(false, records, chains, lineNumber, reason, detail);
            }

            records++;
        }

        return new AuditExportResult(true, records, chains, null, null, null);
    }

    private static (string? Reason, string? Detail) Check(string line, SortedDictionary<string, AuditChainLink> chains, ref string? tenant)
    {
        if (!AuditChainLink.TryParse(line, out var document, out var seq, out var recordTenant, out var replica, out var hash, out var malformed))
        {
            return malformed;
        }

        using (document)
        {
            var root = document.RootElement;
            tenant ??= recordTenant;
            if (!string.Equals(tenant, recordTenant, StringComparison.Ordinal))
            {
                return (AuditBreakReasons.TenantMismatch, $"record names tenant '{recordTenant}', the export is of '{tenant}'");
            }

            if (root.TryGetProperty("anchor", out var anchor) && anchor.ValueKind == JsonValueKind.True)
            {
                if (chains.ContainsKey(replica) || seq < 1)
                {
                    return (AuditBreakReasons.MalformedRecord, $"an anchor must start replica {replica}'s records and name seq >= 1");
                }

                chains[replica] = new AuditChainLink(replica, seq, hash);
                return (null, null);
            }

            if (!chains.TryGetValue(replica, out var chain))
            {
                chain = chains[replica] = new AuditChainLink(replica);
            }

            return chain.Follow(root, seq, hash) is { } broken ? broken : (null, null);
        }
    }
}
