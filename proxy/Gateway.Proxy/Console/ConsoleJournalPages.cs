using System.Globalization;
using System.Text;
using Gateway.Audit;
using Gateway.Audit.Evidence;
using Gateway.Oversight.Incidents;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The audit journal (<c>/console/{tenant}/audit</c>: newest first, 50 a page with links to older and newer records;
/// filter by agent, decision and tool; each record's detail; the verification of every chain of the tenant) and incidents (<c>/console/{tenant}/incidents</c>), for auditors,
/// operators and admins, read from the same <see cref="AuditJournal"/> and <see cref="IncidentService"/> as the admin API.
/// </summary>
internal static class ConsoleJournalPages
{
    private const int PageSize = 50;

    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/{tenant}/audit", AuditAsync);
        console.MapGet("/{tenant}/incidents", IncidentsAsync);
        console.MapGet("/{tenant}/audit/proof", ProofAsync);
    }

    /// <summary>
    /// A record's inclusion proof (<c>?replica=&amp;seq=</c>) as the admin API's <c>audit/proof/inclusion</c> answers it
    /// (JSON: the signed checkpoint, the leaf, the path), for the console's readers: the approval page links here.
    /// </summary>
    private static async Task<IResult> ProofAsync(HttpContext context, string tenant, AuditProofs proofs)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, ConsoleRoles.Readers);
        if (session is null)
        {
            return refusal!;
        }

        var query = context.Request.Query;
        if (query["replica"] is not [{ } replica] || !AuditPartition.IsValidReplica(replica)
            || query["seq"] is not [{ } raw] || !long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq < 1)
        {
            return Refusal(StatusCodes.Status400BadRequest, "invalid_query", "Give one replica id and one seq (1 or more).", session);
        }

        try
        {
            return Results.Bytes(await proofs.InclusionJsonAsync(new AuditPartition(tenant, replica), seq, null, context.RequestAborted), "application/json");
        }
        catch (AuditProofException ex)
        {
            return Refusal(StatusCodes.Status404NotFound, ex.Code, ex.Message, session);
        }
        catch (AuditTreeIncompleteException ex)
        {
            return Refusal(StatusCodes.Status409Conflict, "audit_tree_incomplete", ex.Message, session);
        }
    }

    private static async Task<IResult> AuditAsync(HttpContext context, string tenant, AuditJournal journal)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, ConsoleRoles.Readers);
        if (session is null)
        {
            return refusal!;
        }

        var query = context.Request.Query;
        string? Filter(string name) => query[name].Count == 1 && query[name][0] is { Length: > 0 and <= 256 } value ? value : null;
        var (agent, decision, tool) = (Filter("agent"), Filter("decision"), Filter("tool"));
        var (older, newer) = (Filter("before"), Filter("after"));
        AuditCursor? cursor = null;
        if ((older is not null && newer is not null) || ((older ?? newer) is { } text && !AuditCursor.TryDecode(text, out cursor)))
        {
            return Refusal(StatusCodes.Status400BadRequest, "invalid_cursor", "Give one cursor, before or after, as the journal's own links carry it.", session);
        }

        var verification = await journal.VerifyAsync(tenant, context.RequestAborted);
        // Newest first; "after" (back towards the newest) reads the next page up in time order and shows it reversed.
        var forward = newer is not null;
        var page = await journal.QueryAsync(
            tenant,
            new AuditQuery { Agent = agent, Decision = decision, Tool = tool, Limit = PageSize, After = cursor, NewestFirst = !forward },
            context.RequestAborted);
        var records = forward ? page.Records.Reverse() : page.Records;
        var (newest, oldest) = forward ? (page.Next, page.First) : (page.First, page.Next);
        var hasNewer = forward ? page.Next is not null : cursor is not null;
        var hasOlder = forward || page.Next is not null;

        var body = new StringBuilder("<h2>Chain verification</h2><p role=\"status\">");
        body.Append(verification.Intact ? "<span class=\"ok\">Intact</span>" : "<span class=\"bad\">BROKEN</span>")
            .Append(": ").Append(verification.Records).Append(" records, tip <code>").Append(E(verification.TipHash)).Append("</code>");
        if (!verification.Intact)
        {
            body.Append("; broken at record ").Append(verification.BrokenAtIndex).Append(" (").Append(E(verification.Reason)).Append(')');
        }

        if (verification.OutcomeUnknown > 0)
        {
            // Answered, their outcome's append lost (a crash right after the answer): said, not a break of the chain.
            body.Append("</p><p>Outcome unknown: ").Append(verification.OutcomeUnknown).Append(" decision(s) to be carried out have no outcome record (requests ")
                .Append(string.Join(", ", verification.OutcomeUnknownRequestIds.Select(static id => "<code>" + E(id) + "</code>")))
                .Append(verification.OutcomeUnknown > verification.OutcomeUnknownRequestIds.Count ? ", …" : string.Empty).Append(").");
        }

        body.Append("</p><h2>Records, newest first</h2><form method=\"get\" action=\"\">")
            .Append(Field("agent", "Agent", agent)).Append(Field("decision", "Decision", decision)).Append(Field("tool", "Tool", tool))
            .Append("<button type=\"submit\">Filter</button></form><ol>");
        foreach (var record in records)
        {
            body.Append(AuditRecord(record));
        }

        body.Append("</ol>");
        if (page.Records.Count == 0)
        {
            body.Append(cursor is null ? "<p>No records.</p>" : "<p>No records here.</p>");
        }

        return Page("Audit journal", session, body.Append(Pager(tenant, agent, decision, tool, hasNewer ? newest : null, hasOlder ? oldest : null)).ToString());
    }

    /// <summary>
    /// The journal's links: newest records, newer (after the page's newest record) and older (before its oldest), each an
    /// opaque cursor (<see cref="AuditCursor.Encode"/>: a record's position, so a page stays the same as records are appended).
    /// </summary>
    private static string Pager(string tenant, string? agent, string? decision, string? tool, AuditCursor? newer, AuditCursor? older)
    {
        string Link(string? name, AuditCursor? at)
        {
            var url = new StringBuilder("/console/").Append(U(tenant)).Append("/audit");
            var separator = '?';
            foreach (var (key, value) in new[] { ("agent", agent), ("decision", decision), ("tool", tool), (name, at?.Encode()) })
            {
                if (key is not null && value is not null)
                {
                    url.Append(separator).Append(key).Append('=').Append(U(value));
                    separator = '&';
                }
            }

            return E(url.ToString());
        }

        var html = new StringBuilder("<nav aria-label=\"Journal pages\"><ul class=\"pager\">");
        if (newer is not null)
        {
            html.Append("<li><a href=\"").Append(Link(null, null)).Append("\">Newest records</a></li>")
                .Append("<li><a rel=\"prev\" href=\"").Append(Link("after", newer)).Append("\">Newer records</a></li>");
        }

        if (older is not null)
        {
            html.Append("<li><a rel=\"next\" href=\"").Append(Link("before", older)).Append("\">Older records</a></li>");
        }

        return html.Append("</ul></nav>").ToString();
    }

    private static string Field(string name, string label, string? value) =>
        "<label for=\"f-" + name + "\">" + label + "</label><input id=\"f-" + name + "\" name=\"" + name + "\" value=\"" + E(value) + "\" maxlength=\"256\">";

    private static async Task<IResult> IncidentsAsync(HttpContext context, string tenant, IncidentService incidents)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, ConsoleRoles.Readers);
        if (session is null)
        {
            return refusal!;
        }

        var list = await incidents.ListAsync(tenant, PageSize, context.RequestAborted);
        var body = new StringBuilder(list.Count == 0 ? "<p>No incidents.</p>" : "<ol>");
        foreach (var incident in list)
        {
            body.Append("<li><details><summary>").Append(Time(incident.OpenedAt)).Append(" · ").Append(E(incident.Agent)).Append(" · ")
                .Append(E(incident.Tool)).Append(" · ").Append(E(string.Join(", ", incident.FindingIds))).Append("</summary>")
                .Append(Json(incident.Explanation)).Append("</details></li>");
        }

        return Page("Incidents", session, body.Append(list.Count == 0 ? string.Empty : "</ol>").ToString());
    }
}
