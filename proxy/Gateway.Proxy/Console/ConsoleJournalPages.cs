using System.Globalization;
using System.Text;
using Gateway.Audit;
using Gateway.Audit.Evidence;
using Gateway.Oversight.Incidents;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The audit journal (<c>/console/{tenant}/audit</c>: filter by agent, decision and tool; each record's detail; the
/// verification of every chain of the tenant) and incidents (<c>/console/{tenant}/incidents</c>), for auditors,
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
        var verification = await journal.VerifyAsync(tenant, context.RequestAborted);
        var page = await journal.QueryAsync(tenant, new AuditQuery { Agent = agent, Decision = decision, Tool = tool, Limit = PageSize }, context.RequestAborted);

        var body = new StringBuilder("<h2>Chain verification</h2><p role=\"status\">");
        body.Append(verification.Intact ? "<span class=\"ok\">Intact</span>" : "<span class=\"bad\">BROKEN</span>")
            .Append(": ").Append(verification.Records).Append(" records, tip <code>").Append(E(verification.TipHash)).Append("</code>");
        if (!verification.Intact)
        {
            body.Append("; broken at record ").Append(verification.BrokenAtIndex).Append(" (").Append(E(verification.Reason)).Append(')');
        }

        body.Append("</p><h2>Records</h2><form method=\"get\" action=\"\">")
            .Append(Field("agent", "Agent", agent)).Append(Field("decision", "Decision", decision)).Append(Field("tool", "Tool", tool))
            .Append("<button type=\"submit\">Filter</button></form><ol>");
        foreach (var record in page.Records)
        {
            body.Append(AuditRecord(record));
        }

        return Page("Audit journal", session, body.Append("</ol>").ToString());
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
