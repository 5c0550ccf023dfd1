using Gateway.Policy.AuditChain;

namespace Gateway.Cli;

/// <summary>
/// Verifies an audit export (JSON Lines from <c>GET /admin/v1/tenants/{t}/audit/export</c>) offline, without a
/// gateway: per partition (tenant and replica), every record's <c>seq</c>, <c>prev_hash</c> link and seal
/// (SHA-256 over its canonical form without <c>hash</c>), from genesis or from the anchor line that starts the
/// partition (<c>{"anchor":true,"tenant":…,"replica":…,"seq":N,"hash":…}</c>: records 1..N were retired and
/// <c>hash</c> is record N's). A record that refers to its explanation by <c>explanation_digest</c> needs the
/// explanation line before it (<c>{"digest":…,"explanation":{…},"kind":"explanation","tenant":…}</c>) hashing to that
/// digest (<c>explanation_missing</c>, <c>explanation_altered</c> otherwise). Names the first broken link by line number,
/// and counts the decisions to be carried out that have no outcome record (outcome unknown: not a break). The reasons and the check of each
/// line are the journal's own (<see cref="AuditTenantChains"/>).
/// </summary>
internal static class AuditExportVerifier
{
    public static AuditExportResult Verify(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var chains = AuditTenantChains.ForExport();
        long lineNumber = 0;
        long records = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (chains.Check(line) is { } broken)
            {
                return new AuditExportResult(false, records, chains.Chains, lineNumber, broken.Reason, broken.Detail)
                {
                    OutcomeUnknown = chains.Outcomes.Unknown,
                    OutcomeUnknownRequestIds = chains.Outcomes.UnknownRequestIds,
                    Tenant = chains.Tenant,
                };
            }

            records++;
        }

        return new AuditExportResult(true, records, chains.Chains, null, null, null)
        {
            OutcomeUnknown = chains.Outcomes.Unknown,
            OutcomeUnknownRequestIds = chains.Outcomes.UnknownRequestIds,
            Tenant = chains.Tenant,
        };
    }
}
