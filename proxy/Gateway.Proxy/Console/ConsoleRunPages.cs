using System.Text;
using Gateway.Audit;
using Gateway.Oversight.Runs;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// Runs, read only, for auditors, operators and admins: the tenant's runs the shared store still holds, newest first, by
/// agent and status (<c>/console/{tenant}/runs</c>), and one run's story (<c>/console/{tenant}/runs/{run}</c>): the run as
/// recorded and every record of it in the audit journal in order (its start, each action's decision, each event, its end),
/// read from the same <see cref="RunStore"/> and <see cref="AuditJournal"/> as the admin API's runs endpoints.
/// </summary>
internal static class ConsoleRunPages
{
    private const int PageSize = 100;

    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/{tenant}/runs", ListAsync);
        console.MapGet("/{tenant}/runs/{run}", StoryAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, RunStore runs)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, ConsoleRoles.Readers);
        if (session is null)
        {
            return refusal!;
        }

        var query = context.Request.Query;
        var agent = query["agent"].Count == 1 && Gateway.Audit.Identifiers.IsValidAgent(query["agent"][0]) ? query["agent"][0] : null;
        var status = query["status"].Count == 1 && RunStatuses.All.Contains(query["status"][0]!) ? query["status"][0] : null;
        var found = await runs.ListAsync(tenant, new RunListQuery { Agent = agent, Status = status, Limit = PageSize }, context.RequestAborted);

        var body = new StringBuilder("<form method=\"get\" action=\"\"><label for=\"f-agent\">Agent</label><input id=\"f-agent\" name=\"agent\" maxlength=\"128\" value=\"")
            .Append(E(agent)).Append("\"><label for=\"f-status\">Status</label><select id=\"f-status\" name=\"status\"><option value=\"\">any</option>");
        foreach (var s in RunStatuses.All.Order(StringComparer.Ordinal))
        {
            body.Append("<option").Append(s == status ? " selected" : string.Empty).Append('>').Append(E(s)).Append("</option>");
        }

        body.Append("</select><button type=\"submit\">Filter</button></form>");
        if (found.Count == 0)
        {
            return Page("Runs", session, body.Append("<p>No runs.</p>").ToString());
        }

        body.Append("<table><caption>Runs, newest first</caption><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Agent</th><th scope=\"col\">Status</th><th scope=\"col\">Purpose</th><th scope=\"col\">Started</th></tr></thead><tbody>");
        foreach (var state in found)
        {
            var run = state.Record;
            body.Append("<tr><td><a href=\"/console/").Append(E(U(tenant))).Append("/runs/").Append(E(U(run.Id))).Append("\"><code>").Append(E(run.Id))
                .Append("</code></a></td><td>").Append(E(run.Agent)).Append("</td><td>").Append(E(state.Status)).Append("</td><td>")
                .Append(E(run.Purpose)).Append("</td><td>").Append(Time(run.CreatedAt)).Append("</td></tr>");
        }

        return Page("Runs", session, body.Append("</tbody></table>").ToString());
    }

    private static async Task<IResult> StoryAsync(HttpContext context, string tenant, string run, RunStore runs, AuditJournal journal)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, ConsoleRoles.Readers);
        if (session is null)
        {
            return refusal!;
        }

        var state = RunIds.IsValid(run) ? await runs.FindAsync(tenant, run, context.RequestAborted) : null;
        var page = RunIds.IsValid(run)
            ? await journal.QueryAsync(tenant, new AuditQuery { RunId = run, Limit = PageSize }, context.RequestAborted)
            : null;
        if (state is null && (page is null || page.Records.Count == 0))
        {
            return Refusal(StatusCodes.Status404NotFound, "run_not_found", "No such run in this tenant.", session);
        }

        var body = new StringBuilder();
        if (state is not null)
        {
            var info = RunInfo.Of(state);
            body.Append("<dl><dt>Agent</dt><dd>").Append(E(info.Agent)).Append("</dd><dt>Status</dt><dd>").Append(E(info.Status))
                .Append("</dd><dt>Started by</dt><dd>").Append(E(info.StartedBy)).Append("</dd><dt>Purpose</dt><dd>").Append(E(info.Purpose))
                .Append("</dd><dt>Framework</dt><dd>").Append(E(info.Framework)).Append("</dd><dt>Started</dt><dd>").Append(Time(info.CreatedAt))
                .Append("</dd><dt>Expires</dt><dd>").Append(Time(info.ExpiresAt)).Append("</dd><dt>Trace</dt><dd><code>").Append(E(info.TraceId)).Append("</code></dd>");
            if (info.EndedAt is { } ended)
            {
                body.Append("<dt>Ended</dt><dd>").Append(Time(ended)).Append(" by ").Append(E(info.EndedBy))
                    .Append(info.EndReason is null ? string.Empty : ": " + E(info.EndReason)).Append("</dd>");
            }

            body.Append("</dl>");
        }
        else
        {
            body.Append("<p>The store no longer holds this run; its records remain in the journal.</p>");
        }

        body.Append("<h2>Story</h2><ol>");
        foreach (var record in page?.Records ?? [])
        {
            body.Append(AuditRecord(record));
        }

        body.Append("</ol>");
        if (page?.Next is not null)
        {
            body.Append("<p>The first ").Append(PageSize).Append(" records; <code>gatewayctl runs inspect</code> shows them all.</p>");
        }

        return Page("Run " + run, session, body.ToString());
    }
}
