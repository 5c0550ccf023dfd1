using System.Text;
using System.Text.Json;
using Gateway.Admin.Tokens;
using Gateway.Audit;
using Gateway.Audit.Evidence;
using Gateway.Oversight;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Register;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// One approval request's page (the inbox: <see cref="ConsoleApprovalInbox"/>; after a decision: <see cref="ConsoleApprovalConfirmation"/>),
/// and approve/deny with a reason. The page opens with one sentence, any earlier request like it, and the decision (one
/// reason, Approve or Deny: within the first screen on a laptop and a phone); below, the arguments, why in words, the run's
/// timeline, the decisions so far, and the raw evidence collapsed. Approving
/// goes through the same <see cref="ApprovalService"/> and the same checks as the admin API: the signed-in person must
/// be an approver in the register, named on the request, and not the agent's human owner; two approvals from one person
/// never count as two (the service counts distinct persons).
/// </summary>
internal static class ConsoleApprovalPages
{
    private static readonly string[] Approvers = [ConsoleRoles.Approver];

    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/{tenant}/approvals", ConsoleApprovalInbox.ListAsync);
        console.MapGet("/{tenant}/approvals/{id}", DetailAsync);
        console.MapGet("/{tenant}/approvals/{id}/decided", ConsoleApprovalConfirmation.ShowAsync);
        console.MapPost("/{tenant}/approvals/{id}/approve", (HttpContext c, string tenant, string id) => ActAsync(c, tenant, id, approve: true));
        console.MapPost("/{tenant}/approvals/{id}/deny", (HttpContext c, string tenant, string id) => ActAsync(c, tenant, id, approve: false));
    }

    private static async Task<IResult> DetailAsync(
        HttpContext context, string tenant, string id, ApprovalService approvals, ApprovalLookback lookback, AuditProofs proofs, AuditJournal journal, Bundle.PolicyProvider policy, TimeProvider time)
    {
        var (session, view, refusal) = await ConsoleApprovalRead.ReadAsync(context, tenant, id, approvals, policy);
        if (refusal is not null)
        {
            return refusal;
        }

        var request = view!.Request;
        var earlier = await lookback.EarlierAsync(request, view.InputSchema, session!.Person, context.RequestAborted);
        var now = time.GetUtcNow();
        var body = new StringBuilder("<p id=\"summary\" class=\"summary\">").Append(view.SentenceHtml()).Append("</p>")
            .Append(ConsoleApprovalSections.Duplicates(tenant, earlier))
            .Append("<p class=\"facts\"><strong>").Append(E(request.Status)).Append("</strong> · ").Append(request.Approvals.Count).Append(" of ").Append(request.ApprovalsRequired)
            .Append(" approvals, ").Append(view.StillNeeded).Append(" still needed · waiting ").Append(E(ConsoleApprovalInbox.Span(now - request.CreatedAt)))
            .Append(" · expires in ").Append(E(ConsoleApprovalInbox.Span(request.ExpiresAt - now))).Append(" · risk: ").Append(ConsoleApprovalInbox.RiskMarker(view)).Append("</p>");
        // Members the approvers cannot see are said above the decision, not only beside the arguments.
        body.Append(ConsoleApprovalSections.HiddenArguments(request));
        if (request.Status == ApprovalStatus.Pending)
        {
            var action = "/console/" + E(U(tenant)) + "/approvals/" + E(U(request.Id));
            body.Append("<form method=\"post\" action=\"").Append(action).Append("/approve\" class=\"decide\">").Append(Csrf(session!))
                .Append("<label for=\"approve-reason\">Your reason (required; recorded with your decision and shown to the other approvers)</label>")
                .Append("<textarea id=\"approve-reason\" name=\"reason\" required maxlength=\"500\" rows=\"2\"></textarea>")
                .Append("<div class=\"buttons\"><button type=\"submit\" class=\"approve\">Approve</button>")
                .Append("<button type=\"submit\" class=\"deny\" formaction=\"").Append(action).Append("/deny\">Deny</button></div></form>");
        }
        else
        {
            body.Append("<p>This request is ").Append(E(request.Status)).Append(request.DecidedAt is { } decided ? " since " + Time(decided) : string.Empty)
                .Append(". <a href=\"/console/").Append(E(U(tenant))).Append("/approvals\">Back to the inbox</a></p>");
        }

        body.Append(view.A2a?.Section()).Append("<h2>Arguments</h2>").Append(ConsoleApprovalSections.ArgumentsTable(request, view.Key))
            .Append("<h2>Why it was held</h2>").Append(ConsoleApprovalSections.Why(request.Explanation))
            .Append("<h2>The run up to this request</h2>").Append(await ConsoleApprovalSections.TimelineAsync(tenant, view, journal, session!.HasAny(ConsoleRoles.Readers), context.RequestAborted))
            .Append("<h2>Decisions so far</h2>").Append(await ConsoleApprovalSections.HistoryAsync(tenant, request, journal, context.RequestAborted))
            .Append("<dl class=\"facts\"><dt>Action</dt><dd><code>").Append(E(request.Tool)).Append("</code></dd><dt>Who may approve</dt><dd>").Append(E(string.Join(", ", request.Approvers)))
            .Append("</dd><dt>Approved by</dt><dd>").Append(request.Approvals.Count > 0 ? E(string.Join(", ", request.Approvals)) : "nobody yet")
            .Append("</dd><dt>Requested</dt><dd>").Append(Time(request.CreatedAt)).Append("</dd><dt>Expires</dt><dd>").Append(Time(request.ExpiresAt)).Append("</dd></dl>")
            .Append("<details id=\"raw\"><summary>Raw: arguments, explanation, decision record and receipt</summary>")
            .Append("<h3>Arguments (redacted)</h3>").Append(Arguments(request))
            .Append("<h3>Intent digest</h3><p><code>").Append(E(request.IntentDigest)).Append("</code></p>")
            .Append("<h3>Explanation</h3>").Append(Explanation(request.Explanation))
            .Append("<h3>Decision record</h3>").Append(await DecisionRecordAsync(tenant, request, proofs, session!, context.RequestAborted))
            .Append("</details>");
        // The heading quotes less of an agent's value than the sentence under it, which the decision follows on the first screen.
        return Page("Approval: " + view.Action(ConsoleApprovalView.Quoted / 2), session, body.ToString(), headingHtml: "Approval: " + view.ActionHtml(ConsoleApprovalView.Quoted / 2));
    }

    /// <summary>The action's arguments as the approval keeps them (redacted before they were stored), indented when whole.</summary>
    private static string Arguments(ApprovalRequest request)
    {
        if (request.Arguments is not { } text)
        {
            return "<p>(none kept)</p>";
        }

        using var parsed = ConsoleApprovalSections.Parsed(text);
        if (parsed is null)
        {
            // A request opened before arguments were cut by value keeps a prefix that does not parse.
            return "<p>Truncated: only the first " + ApprovalArguments.MaxBytes / 1024 + " KiB are kept.</p>" + Pre(text, "arguments");
        }

        return Json(parsed.RootElement).Replace("<pre>", "<pre id=\"arguments\">", StringComparison.Ordinal);
    }

    /// <summary>
    /// Where the decision that opened the request sits in the tenant's audit chain (replica, seq, leaf index = seq - 1),
    /// found in the journal by the request id the approval keeps, with a link to the leaf's inclusion proof, and the
    /// decision's signed receipt (opaque here; <c>gatewayctl evidence</c> verifies it).
    /// </summary>
    private static async Task<string> DecisionRecordAsync(string tenant, ApprovalRequest request, AuditProofs proofs, ConsoleSession session, CancellationToken cancellationToken)
    {
        if (request.RequestId is not { } requestId)
        {
            return "<p>(this request was opened before approvals kept their decision's request id)</p>";
        }

        var html = new StringBuilder("<dl id=\"decision-record\"><dt>Request id</dt><dd><code>").Append(E(requestId)).Append("</code></dd>");
        if (await proofs.FindAsync(tenant, requestId, cancellationToken) is var (partition, seq))
        {
            var query = "replica=" + U(partition.Replica) + "&seq=" + seq;
            html.Append("<dt>Chain (replica)</dt><dd><code>").Append(E(partition.Replica)).Append("</code></dd><dt>Record seq</dt><dd>").Append(seq)
                .Append("</dd><dt>Leaf index</dt><dd>").Append(seq - 1).Append("</dd><dt>Inclusion proof</dt><dd>");
            if (session.HasAny(ConsoleRoles.Readers))
            {
                html.Append("<a href=\"/console/").Append(E(U(tenant))).Append("/audit/proof?").Append(E(query)).Append("\">Inclusion proof of leaf ").Append(seq - 1).Append("</a>; ");
            }

            html.Append("admin API: <code>GET ").Append(E("/admin/v1/tenants/" + U(tenant) + "/audit/proof/inclusion?" + query)).Append("</code></dd>");
        }
        else
        {
            html.Append("<dt>Record</dt><dd>not found in the journal (retired, or not yet readable)</dd>");
        }

        html.Append("<dt>Receipt</dt><dd>").Append(request.Receipt is { } receipt
            ? "<pre id=\"receipt\" class=\"wrap\">" + E(receipt) + "</pre>"
            : "(none attached: the decision's receipt could not be stored)").Append("</dd>");
        return html.Append("</dl>").ToString();
    }

    /// <summary>The explanation's parts, each under its own heading (the decision path, what would change, the redacted arguments…).</summary>
    private static string Explanation(JsonElement? explanation)
    {
        if (explanation is not { ValueKind: JsonValueKind.Object } value)
        {
            return Json(explanation);
        }

        var html = new StringBuilder("<dl class=\"explanation\">");
        foreach (var property in value.EnumerateObject())
        {
            html.Append("<dt>").Append(E(property.Name.Replace('_', ' '))).Append("</dt><dd>")
                .Append(property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? Json(property.Value) : E(property.Value.ToString()))
                .Append("</dd>");
        }

        return html.Append("</dl>").ToString();
    }

    private static async Task<IResult> ActAsync(HttpContext context, string tenant, string id, bool approve)
    {
        var (session, form, refusal) = await ConsoleGuard.WriteAsync(context, tenant, Approvers);
        if (session is null)
        {
            return refusal!;
        }

        var reason = form!["reason"].Count == 1 ? form["reason"][0]?.Trim() : null;
        if (string.IsNullOrEmpty(reason) || reason.Length > 500)
        {
            return Refusal(StatusCodes.Status400BadRequest, "console_reason_required", "Give a reason of 1..500 characters; nothing was changed.", session);
        }

        var register = context.RequestServices.GetRequiredService<IRegisterDirectory>();
        var approvals = context.RequestServices.GetRequiredService<ApprovalService>();
        if (!register.IsApprover(tenant, session.Person))
        {
            return Refusal(StatusCodes.Status403Forbidden, ApprovalErrorCodes.NotAnApprover, "The tenant's register does not list you as an approver.", session);
        }

        var request = await approvals.GetAsync(tenant, id, context.RequestAborted);
        if (request is null || !request.Approvers.Contains(session.Person, StringComparer.Ordinal))
        {
            return Refusal(StatusCodes.Status403Forbidden, ApprovalErrorCodes.NotAnApprover, "This request does not name you as an approver.", session);
        }

        // A person signed in at the provider is also known by their subject there, which is how an agent names them.
        if (ApprovalConflicts.Of(register, request, session.Person, session.IssuedBy is null ? session.Subject : null) is { } conflict)
        {
            // The root agent's owner, or the person acted for: whichever child or grandchild asked.
            return Refusal(StatusCodes.Status403Forbidden, conflict, conflict == ApprovalErrorCodes.OwnRequest
                ? "You own the agent at the root of this request's actor chain, or it acts for you; someone else must decide."
                : "Who asked cannot be established, so nobody can be shown not to own it; nothing was changed.", session);
        }

        if (request.Status != ApprovalStatus.Pending)
        {
            // Decided or expired already: refused before anything is written, so the decisions so far list no vote that could not count.
            var closed = request.Status == ApprovalStatus.Expired ? ApprovalErrorCodes.Expired : ApprovalErrorCodes.NotPending;
            return Refusal(StatusCodes.Status409Conflict, closed, "The approval service refused: " + closed, session);
        }

        // Written before the vote (the person's decision and reason): a journal that cannot take it fails the call (503) before
        // the vote counts. A vote the service then refuses, or that fails (its store unavailable: the host then answers 503), is
        // written as well, under the same request id, with its code, so the decisions so far never list it.
        var action = approve ? "approval.approve" : "approval.deny";
        // A session started with an admin token votes with that token: revoked, its vote no longer counts. A person signed in at
        // the provider votes as themselves (suspending them is what takes their votes back).
        var voter = new ApprovalVoter(session.Person, session.IssuedBy ?? session.Person)
        {
            Credential = session.AdminToken is { } token ? AdminTokenVotingCredentials.Of(token) : null,
        };
        var result = await RecordedAct.RunAsync(
            () => ConsoleAudit.RecordAsync(context, session, action, request.Agent, request.Id, reason),
            ct => approve ? approvals.ApproveAsync(tenant, id, voter, ct) : approvals.DenyAsync(tenant, id, voter, ct),
            static result => result.Code,
            (code, failure) => ConsoleAudit.RecordAsync(context, session, action + "_refused", request.Agent, request.Id,
                (failure is null ? "the approval service refused the vote: " : "the vote could not be cast: ") + code, CancellationToken.None),
            context.RequestServices.GetRequiredService<ILogger<ApprovalService>>());
        if (!result.Succeeded)
        {
            return Refusal(StatusCodes.Status409Conflict, result.Code!, "The approval service refused: " + result.Code, session);
        }

        return Results.Redirect("/console/" + Uri.EscapeDataString(tenant) + "/approvals/" + Uri.EscapeDataString(id) + "/decided", permanent: false, preserveMethod: false);
    }
}
