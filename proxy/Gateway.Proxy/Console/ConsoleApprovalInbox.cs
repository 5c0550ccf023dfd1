using System.Globalization;
using System.Text;
using Gateway.Oversight.Approvals;
using Gateway.Policy;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The approvals inbox (<c>/console/{tenant}/approvals</c>): the pending requests that name the signed-in approver, one row
/// each with what tells them apart (<see cref="ConsoleApprovalView"/>: the action in words with its amount, target and
/// recipient; the agent and the person it acts for; the run; how long it has waited and when it expires; approvals still
/// needed; the risk marker), filtered by agent, tool and least risk, sorted by wait, expiry, amount or risk (a GET form:
/// no script), and the count in the heading.
/// </summary>
internal static class ConsoleApprovalInbox
{
    private static readonly string[] Sorts = ["waited", "expires", "amount", "risk"];
    private static readonly string[] Approvers = [ConsoleRoles.Approver];

    public static async Task<IResult> ListAsync(HttpContext context, string tenant, ApprovalService approvals, Bundle.PolicyProvider policy, TimeProvider time)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, Approvers);
        if (session is null)
        {
            return refusal!;
        }

        var query = context.Request.Query;
        var agent = One(query, "agent");
        var tool = One(query, "tool");
        var minRisk = One(query, "risk") switch { "medium" => 1, "high" => 2, "critical" => 3, _ => 0 };
        var sort = One(query, "sort") is { } s && Sorts.Contains(s, StringComparer.Ordinal) ? s : "waited";
        TenantPolicy? tenantPolicy = null;
        policy.Current?.Set.Tenants.TryGetValue(tenant, out tenantPolicy);

        var mine = (await approvals.ListPendingAsync(tenant, context.RequestAborted))
            .Where(r => r.Approvers.Contains(session.Person, StringComparer.Ordinal))
            .Select(r => ConsoleApprovalView.Of(r, tenantPolicy))
            .ToList();
        var shown = mine
            .Where(v => agent is null || v.Request.Agent.Contains(agent, StringComparison.OrdinalIgnoreCase))
            .Where(v => tool is null || v.Request.Tool.Contains(tool, StringComparison.OrdinalIgnoreCase))
            .Where(v => v.RiskRank >= minRisk);
        shown = sort switch
        {
            "expires" => shown.OrderBy(v => v.Request.ExpiresAt),
            "amount" => shown.OrderByDescending(v => decimal.TryParse(v.Key.Amount, NumberStyles.Number, CultureInfo.InvariantCulture, out var a) ? a : -1m),
            "risk" => shown.OrderByDescending(v => v.RiskRank).ThenBy(v => v.Request.CreatedAt),
            _ => shown.OrderBy(v => v.Request.CreatedAt),
        };
        var rows = shown.ToList();
        var now = time.GetUtcNow();

        var body = new StringBuilder("<form method=\"get\" action=\"\" class=\"filters\">")
            .Append("<div><label for=\"f-agent\">Agent</label><input id=\"f-agent\" name=\"agent\" maxlength=\"128\" value=\"").Append(E(agent)).Append("\"></div>")
            .Append("<div><label for=\"f-tool\">Action</label><input id=\"f-tool\" name=\"tool\" maxlength=\"128\" value=\"").Append(E(tool)).Append("\"></div>")
            .Append("<div><label for=\"f-risk\">Least risk</label><select id=\"f-risk\" name=\"risk\">");
        foreach (var (value, rank) in new[] { ("any", 0), ("medium", 1), ("high", 2), ("critical", 3) })
        {
            body.Append("<option value=\"").Append(value).Append('"').Append(rank == minRisk ? " selected" : string.Empty).Append('>').Append(value).Append("</option>");
        }

        body.Append("</select></div><div><label for=\"f-sort\">Sort by</label><select id=\"f-sort\" name=\"sort\">");
        foreach (var (value, words) in new[] { ("waited", "longest waiting"), ("expires", "expires soonest"), ("amount", "largest amount"), ("risk", "highest risk") })
        {
            body.Append("<option value=\"").Append(value).Append('"').Append(value == sort ? " selected" : string.Empty).Append('>').Append(words).Append("</option>");
        }

        body.Append("</select></div><div><button type=\"submit\">Show</button></div></form>");
        if (rows.Count == 0)
        {
            body.Append(mine.Count == 0 ? "<p>Nothing is waiting for you.</p>" : "<p>Nothing waiting for you matches these filters.</p>");
        }
        else
        {
            body.Append("<div class=\"scroll\"><table id=\"inbox\"><caption>Pending approvals that name you, ").Append(E(SortWords(sort))).Append("</caption><thead><tr>")
                .Append("<th scope=\"col\">Action</th><th scope=\"col\">Agent, for</th><th scope=\"col\">Run</th><th scope=\"col\">Waiting</th>")
                .Append("<th scope=\"col\">Expires in</th><th scope=\"col\">Still needed</th><th scope=\"col\">Risk</th></tr></thead><tbody>");
            foreach (var view in rows)
            {
                var request = view.Request;
                body.Append("<tr><td><a href=\"/console/").Append(E(U(tenant))).Append("/approvals/").Append(E(U(request.Id))).Append("\">")
                    .Append(view.ActionHtml()).Append("</a><br><small>").Append(E(request.Tool)).Append("</small></td><td data-label=\"Agent, for\">").Append(E(request.Agent))
                    .Append(view.Person is null ? string.Empty : "<br><small>for " + E(view.Person) + "</small>").Append("</td><td data-label=\"Run\">")
                    .Append(view.Run is null ? "—" : "<code>" + E(view.Run) + "</code>").Append("</td><td data-label=\"Waiting\">").Append(E(Span(now - request.CreatedAt)))
                    .Append("</td><td data-label=\"Expires in\">").Append(E(Span(request.ExpiresAt - now))).Append("</td><td data-label=\"Still needed\">").Append(view.StillNeeded).Append(" of ").Append(request.ApprovalsRequired)
                    .Append("</td><td data-label=\"Risk\">").Append(RiskMarker(view)).Append("</td></tr>");
            }

            body.Append("</tbody></table></div>");
        }

        var title = "Approvals (" + rows.Count.ToString(CultureInfo.InvariantCulture) + (rows.Count == mine.Count ? string.Empty : " of " + mine.Count.ToString(CultureInfo.InvariantCulture)) + " waiting)";
        return Page(title, session, body.ToString());
    }

    /// <summary>The risk marker: a word (never a colour alone) and the reasons.</summary>
    public static string RiskMarker(ConsoleApprovalView view) =>
        "<span class=\"risk risk-" + ConsoleApprovalView.RiskWord(view.RiskRank) + "\">" + E(view.Risk) + "</span>";

    /// <summary>A duration in words: "45 s", "12 min", "3 h 5 min", "2 d"; "expired" when negative.</summary>
    public static string Span(TimeSpan span) => span < TimeSpan.Zero ? "expired"
        : span.TotalMinutes < 1 ? ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s"
        : span.TotalHours < 1 ? ((int)span.TotalMinutes).ToString(CultureInfo.InvariantCulture) + " min"
        : span.TotalDays < 1 ? ((int)span.TotalHours).ToString(CultureInfo.InvariantCulture) + " h " + span.Minutes.ToString(CultureInfo.InvariantCulture) + " min"
        : ((int)span.TotalDays).ToString(CultureInfo.InvariantCulture) + " d";

    private static string SortWords(string sort) => sort switch
    {
        "expires" => "expiring soonest first",
        "amount" => "largest amount first",
        "risk" => "highest risk first",
        _ => "longest waiting first",
    };

    private static string? One(IQueryCollection query, string name) =>
        query[name].Count == 1 && query[name][0] is { Length: > 0 and <= 128 } value ? value : null;
}
