using System.Text;
using Gateway.Audit;
using Gateway.Oversight.Approvals;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The page after a decision (<c>/console/{tenant}/approvals/{id}/decided</c>, where approve and deny redirect): what the
/// person's decision did and what happens next (the agent's warrant and its expiry, or the approvals still needed, or the
/// denial the agent will read), a link to the next pending approval that names them, and who decided what, with reasons.
/// </summary>
internal static class ConsoleApprovalConfirmation
{
    public static async Task<IResult> ShowAsync(HttpContext context, string tenant, string id, ApprovalService approvals, AuditJournal journal, Bundle.PolicyProvider policy)
    {
        var (session, view, refusal) = await ConsoleApprovalRead.ReadAsync(context, tenant, id, approvals, policy);
        if (refusal is not null)
        {
            return refusal;
        }

        var request = view!.Request;
        var tenantPolicy = ConsoleApprovalRead.TenantOf(policy, tenant);
        var t = "/console/" + E(U(tenant));
        var body = new StringBuilder("<section id=\"confirmation\" class=\"done\" role=\"status\" aria-labelledby=\"confirmation-h\"><h2 id=\"confirmation-h\">")
            .Append(E(Headline(request, session!.Person))).Append("</h2><p>").Append(view.SentenceHtml()).Append("</p><p><strong>What happens next:</strong> ")
            .Append(E(Next(request))).Append("</p></section>");

        var next = (await approvals.ListPendingAsync(tenant, context.RequestAborted))
            .Where(r => r.Id != request.Id && r.Approvers.Contains(session.Person, StringComparer.Ordinal) && !r.Approvals.Contains(session.Person, StringComparer.Ordinal))
            .OrderBy(r => r.CreatedAt)
            .ToList();
        if (next.Count > 0)
        {
            body.Append("<p><a id=\"next-approval\" class=\"next\" href=\"").Append(t).Append("/approvals/").Append(E(U(next[0].Id))).Append("\">Next pending approval: ")
                .Append(ConsoleApprovalView.Of(next[0], tenantPolicy).ActionHtml()).Append(" (").Append(E(next[0].Agent)).Append(")</a> · ")
                .Append(next.Count).Append(next.Count == 1 ? " waits" : " wait").Append(" for you · <a href=\"").Append(t).Append("/approvals\">Inbox</a></p>");
        }
        else
        {
            body.Append("<p>Nothing else waits for you. <a href=\"").Append(t).Append("/approvals\">Back to the inbox</a></p>");
        }

        body.Append("<h2>Decisions on this request</h2>").Append(await ConsoleApprovalSections.HistoryAsync(tenant, request, journal, context.RequestAborted))
            .Append("<p><a href=\"").Append(t).Append("/approvals/").Append(E(U(request.Id))).Append("\">The request's page</a></p>");
        return Page("Decision recorded", session, body.ToString());
    }

    private static string Headline(ApprovalRequest request, string person) => request.Status switch
    {
        ApprovalStatus.Approved => "Approved",
        ApprovalStatus.Denied => request.DecidedBy == person ? "You denied this request" : "Denied",
        ApprovalStatus.Pending when request.Approvals.Contains(person, StringComparer.Ordinal) => "Your approval is counted",
        _ => "This request is " + request.Status,
    };

    private static string Next(ApprovalRequest request)
    {
        switch (request.Status)
        {
            case ApprovalStatus.Approved:
                var ttl = TimeSpan.FromSeconds(request.WarrantTtlSeconds);
                var until = request.DecidedAt is { } at ? " (until " + at.Add(ttl).ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture) + ")" : string.Empty;
                return "the agent " + request.Agent + " receives a warrant when it polls the request; the warrant allows exactly this action, once, for "
                    + ConsoleApprovalInbox.Span(ttl) + " after the approval" + until + ". If it is not used by then, the agent must ask again.";
            case ApprovalStatus.Denied:
                return "the agent " + request.Agent + " reads the denial when it polls; no warrant is issued, and the same action needs a new request.";
            case ApprovalStatus.Pending:
                var still = Math.Max(0, request.ApprovalsRequired - request.Approvals.Count);
                return still + " more approval" + (still == 1 ? " is" : "s are") + " needed from the other named approvers before the agent gets a warrant.";
            default:
                return "nothing more: the request is " + request.Status + ".";
        }
    }
}
