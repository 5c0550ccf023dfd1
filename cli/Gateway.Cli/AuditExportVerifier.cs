using System.Globalization;
using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Cli;

/// <summary>
/// Verifies an audit export (JSON Lines from <c>GET /admin/v1/tenants/{t}/audit/export</c>) offline, without a
/// gateway: per partition (tenant and replica), every record's <c>seq</c>, <c>prev_hash</c> link and seal
/// (SHA-256 over its canonical form without <c>hash</c>), from genesis or from the anchor line that starts the
/// partition (<c>{"anchor":true,"tenant":…,"replica":…,"seq":N,"hash":…}</c>: records 1..N were retired and
/// <c>hash</c> is record N's). Names the first broken link by line number. The reasons are the journal's
/// (<c>docs/approvals-and-audit.md</c>).
/// </summary>
internal static class AuditExportVerifier
{
    private const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static AuditExportResult Verify(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var chains = new SortedDictionary<string, AuditExportChain>(StringComparer.Ordinal);
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

    private static (string? Reason, string? Detail) Check(string line, SortedDictionary<string, AuditExportChain> chains, ref string? tenant)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return ("malformed_record", "not JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("seq", out var seqElement) || !seqElement.TryGetInt64(out var seq)
                || !root.TryGetProperty("tenant", out var tenantElement) || tenantElement.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("replica", out var replicaElement) || replicaElement.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("hash", out var hashElement) || hashElement.ValueKind != JsonValueKind.String)
            {
                return ("malformed_record", "missing seq, tenant, replica or hash");
            }

            var recordTenant = tenantElement.GetString()!;
            tenant ??= recordTenant;
            if (!string.Equals(tenant, recordTenant, StringComparison.Ordinal))
            {
                return ("tenant_mismatch", $"record names tenant '{recordTenant}', the export is of '{tenant}'");
            }

            var replica = replicaElement.GetString()!;
            var hash = hashElement.GetString()!;
            var isAnchor = root.TryGetProperty("anchor", out var anchor) && anchor.ValueKind == JsonValueKind.True;
            if (isAnchor)
            {
                if (chains.ContainsKey(replica) || seq < 1)
                {
                    return ("malformed_record", $"an anchor must start replica {replica}'s records and name seq >= 1");
                }

                chains[replica] = new AuditExportChain { Replica = replica, AnchorSeq = seq, NextSeq = seq + 1, Previous = hash };
                return (null, null);
            }

            if (!chains.TryGetValue(replica, out var chain))
            {
                chain = chains[replica] = new AuditExportChain { Replica = replica, AnchorSeq = 0, NextSeq = 1, Previous = GenesisHash };
            }

            if (seq != chain.NextSeq)
            {
                chain.BrokenAtSeq = seq;
                return ("sequence_gap", string.Create(CultureInfo.InvariantCulture, $"replica {replica}: expected seq {chain.NextSeq}, found {seq}"));
            }

            if (!root.TryGetProperty("prev_hash", out var prevHash) || prevHash.ValueKind != JsonValueKind.String)
            {
                return ("malformed_record", "missing prev_hash");
            }

            if (!prevHash.ValueEquals(chain.Previous))
            {
                chain.BrokenAtSeq = seq;
                return ("prev_hash_mismatch", string.Create(CultureInfo.InvariantCulture, $"replica {replica} seq {seq}: prev_hash is not the previous record's hash"));
            }

            string computed;
            try
            {
                computed = CanonicalJson.Sha256Hex(root, static (writer, r) => writer.WriteObjectWithout(r, "hash"u8));
            }
            catch (FormatException ex)
            {
                return ("malformed_record", ex.Message);
            }

            if (!string.Equals(computed, hash, StringComparison.Ordinal))
            {
                chain.BrokenAtSeq = seq;
                return ("hash_mismatch", string.Create(CultureInfo.InvariantCulture, $"replica {replica} seq {seq}: the record does not hash to its hash (edited)"));
            }

            chain.NextSeq = seq + 1;
            chain.Previous = hash;
            chain.Records++;
            return (null, null);
        }
    }
}
