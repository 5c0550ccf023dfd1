using System.Text;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Oversight.Approvals;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The parts of an approval's page below the decision: the arguments as a table, the earlier actions that look the same
/// (the duplicate warning), why it was held as a checklist in words, the run's timeline up to the request, and the history
/// of who decided what with their reasons (the console's own audit records of the decisions).
/// </summary>
internal static class ConsoleApprovalSections
{
    private const int JournalPage = 100;

    /// <summary>
    /// The arguments as kept (redacted), one row per member; nested values as compact JSON. The amount reads as in the
    /// page's sentence (<paramref name="key"/>: "25.00 (currency not given)", not the "25" the agent sent).
    /// </summary>
    public static string ArgumentsTable(ApprovalRequest request, ApprovalKeyArguments key)
    {
        if (request.Arguments is not { } text)
        {
            return "<p>(no arguments kept)</p>";
        }

        using var parsed = Parsed(text);
        if (parsed is null)
        {
            return "<p>Truncated: the arguments are in the raw section below.</p>";
        }

        if (parsed.RootElement.ValueKind != JsonValueKind.Object)
        {
            return Pre(text);
        }

        var html = new StringBuilder("<table id=\"arguments-table\" class=\"args\"><caption>Arguments (redacted before they were stored)</caption><tbody>");
        foreach (var member in parsed.RootElement.EnumerateObject())
        {
            // Each value the agent sent its own element, isolated and left to right in the order sent (ConsoleHtml.AgentValue).
            var value = member.Name == key.AmountName && key.Amount is { } amount
                ? E(amount) + (key.Currency is { } currency ? " " + AgentValue(currency) : " (currency not given)")
                : AgentValue(member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : member.Value.GetRawText());
            html.Append("<tr><th scope=\"row\">").Append(E(member.Name)).Append("</th><td>").Append(value).Append("</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>
    /// The warning that the arguments shown hide members (<see cref="ApprovalRequest.ArgumentsTruncated"/>), put above the
    /// decision; empty when every member is shown (long values shortened say so in their own text).
    /// </summary>
    public static string HiddenArguments(ApprovalRequest request) => !request.ArgumentsTruncated ? string.Empty
        : "<p id=\"arguments-hidden\" class=\"warn\"><strong>Not every argument is shown.</strong> The arguments are over "
            + ApprovalArguments.MaxBytes / 1024 + " KiB even with long values shortened, so some members are hidden (where, and how many, is marked "
            + "<code>more members hidden</code> or <code>more items hidden</code>; a request opened before that keeps only its first "
            + ApprovalArguments.MaxBytes / 1024 + " KiB). Approving approves what no approver has seen: deny unless you know what the hidden part holds.</p>";

    /// <summary>The kept arguments parsed; null for a text cut by position (a request opened before the cut by value).</summary>
    public static JsonDocument? Parsed(string text)
    {
        try
        {
            return JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The earlier actions like this one, flagged at the top of the page; empty when there are none.</summary>
    public static string Duplicates(string tenant, IReadOnlyList<ApprovalPrecedent> earlier)
    {
        if (earlier.Count == 0)
        {
            return string.Empty;
        }

        var html = new StringBuilder("<section id=\"duplicates\" class=\"warn\" aria-labelledby=\"duplicates-h\"><h2 id=\"duplicates-h\">Possible duplicate: ")
            .Append(earlier.Count).Append(earlier.Count == 1 ? " earlier request looks" : " earlier requests look").Append(" like this one</h2><ul>");
        foreach (var precedent in earlier.Take(3))
        {
            var r = precedent.Request;
            var outcome = precedent.WarrantUsed ? "approved and carried out" : r.Status;
            // The match quotes the agent's value: cut, so that the decision stays on the first screen (the earlier request's page has it whole).
            var match = precedent.Match.Length <= ConsoleApprovalView.Quoted * 2 ? precedent.Match
                : precedent.Match[..(char.IsHighSurrogate(precedent.Match[(ConsoleApprovalView.Quoted * 2) - 1]) ? (ConsoleApprovalView.Quoted * 2) - 1 : ConsoleApprovalView.Quoted * 2)] + "…";
            html.Append("<li><a href=\"/console/").Append(E(U(tenant))).Append("/approvals/").Append(E(U(r.Id))).Append("\"><span class=\"ltr\">").Append(E(match))
                .Append("</span></a>").Append(HasRightToLeft(match) ? RightToLeftNote : string.Empty).Append(": <strong>").Append(E(outcome)).Append("</strong>, requested ").Append(Time(r.CreatedAt))
                .Append(r.DecidedBy is { } by ? " (decided by " + E(by) + ")" : r.Approvals.Count > 0 ? " (approved by " + E(string.Join(", ", r.Approvals)) + ")" : string.Empty)
                .Append("</li>");
        }

        return html.Append("</ul></section>").ToString();
    }

    /// <summary>Why it was held, in words: each control with its outcome and remedy, the rules that fired, what would change the outcome.</summary>
    public static string Why(JsonElement? explanation)
    {
        if (explanation is not { ValueKind: JsonValueKind.Object } value)
        {
            return "<p>(no explanation kept)</p>";
        }

        var html = new StringBuilder("<ul class=\"checklist\" id=\"why\">");
        var notApplicable = new List<string>();
        if (value.TryGetProperty("decision_path", out var path) && path.ValueKind == JsonValueKind.Array)
        {
            foreach (var control in path.EnumerateArray())
            {
                var name = ConsoleApprovalView.Words(ConsoleApprovalView.Text(control, "control") ?? "control");
                var obligation = control.TryGetProperty("approval_required", out var required) && required.ValueKind == JsonValueKind.True;
                switch (ConsoleApprovalView.Text(control, "outcome"))
                {
                    // One statement per control: an approval obligation is what held the action, not a pass.
                    case "pass" when obligation:
                        html.Append("<li class=\"hold\"><span aria-hidden=\"true\">! </span>").Append(E(name)).Append(": <strong>requires a named approver</strong>")
                            .Append(ConsoleApprovalView.Text(control, "missing_evidence") is { } why ? " (" + E(why) + ')' : string.Empty).Append("</li>");
                        break;
                    case "pass":
                        html.Append("<li class=\"pass\"><span aria-hidden=\"true\">✓ </span>").Append(E(name)).Append(": passed</li>");
                        break;
                    case "fail":
                        html.Append("<li class=\"fail\"><span aria-hidden=\"true\">✗ </span>").Append(E(name)).Append(": <strong>failed</strong> (")
                            .Append(E(ConsoleApprovalView.Text(control, "severity"))).Append(')')
                            .Append(ConsoleApprovalView.Text(control, "missing_evidence") is { } missing ? "; " + E(missing) : string.Empty)
                                .Append(ConsoleApprovalView.Text(control, "remedy") is { } remedy ? ". To change it: " + E(remedy) : string.Empty)
                            .Append(obligation ? "; it also requires a named approver" : string.Empty).Append("</li>");
                        break;
                    default:
                        notApplicable.Add(name);
                        break;
                }
            }
        }

        if (notApplicable.Count > 0)
        {
            html.Append("<li class=\"na\">Not applicable here: ").Append(E(string.Join(", ", notApplicable))).Append("</li>");
        }

        if (value.TryGetProperty("rule_triggers", out var triggers) && triggers.ValueKind == JsonValueKind.Array)
        {
            foreach (var trigger in triggers.EnumerateArray())
            {
                html.Append("<li class=\"hold\"><span aria-hidden=\"true\">! </span>Rule <code>").Append(E(ConsoleApprovalView.Text(trigger, "rule"))).Append("</code> asks to ")
                    .Append(E(ConsoleApprovalView.Words(ConsoleApprovalView.Text(trigger, "effect") ?? "?"))).Append(" (")
                    .Append(E(ConsoleApprovalView.Words(ConsoleApprovalView.Text(trigger, "reason_code") ?? "?"))).Append(')')
                    .Append(ConsoleApprovalView.Text(trigger, "message") is { } message ? ": " + E(message) : string.Empty).Append("</li>");
            }
        }

        html.Append("</ul>");
        if (value.TryGetProperty("what_would_change", out var change) && change.ValueKind == JsonValueKind.Array && change.GetArrayLength() > 0)
        {
            html.Append("<p>What would change the outcome:</p><ul>");
            foreach (var item in change.EnumerateArray())
            {
                html.Append("<li>").Append(E(item.ToString())).Append("</li>");
            }

            html.Append("</ul>");
        }

        return html.ToString();
    }

    /// <summary>
    /// The run's records in the journal up to the request (its start, the actions before, this decision): each whole for a
    /// viewer who reads the journal (<paramref name="wholeRecords"/>), else one line each (time, agent, action, decision).
    /// </summary>
    public static async Task<string> TimelineAsync(string tenant, ConsoleApprovalView view, AuditJournal journal, bool wholeRecords, CancellationToken cancellationToken)
    {
        if (view.Run is not { } run)
        {
            return "<p>This action was not part of a run.</p>";
        }

        var page = await journal.QueryAsync(tenant, new AuditQuery { RunId = run, Limit = JournalPage, To = view.Request.CreatedAt.AddSeconds(5) }, cancellationToken);
        if (page.Records.Count == 0)
        {
            return "<p>No record of run <code>" + E(run) + "</code> is readable yet.</p>";
        }

        var html = new StringBuilder("<ol id=\"timeline\">");
        foreach (var record in page.Records)
        {
            html.Append(AuditRecord(record, wholeRecords));
        }

        return html.Append("</ol>").ToString();
    }

    /// <summary>
    /// Who approved or denied through the console, when, with their reasons, oldest first: a vote recorded and then refused
    /// (its <c>_refused</c> record under the same request id) is left out.
    /// </summary>
    public static async Task<string> HistoryAsync(string tenant, ApprovalRequest request, AuditJournal journal, CancellationToken cancellationToken)
    {
        var entries = new List<(DateTimeOffset Time, string Text)>();
        foreach (var (tool, verb) in new[] { ("console.approval.approve", "approved"), ("console.approval.deny", "denied") })
        {
            var refused = new HashSet<string>(StringComparer.Ordinal);
            foreach (var record in (await QueryAsync(tool + "_refused")).Records)
            {
                if (ConsoleApprovalView.Text(record, "approval_id") == request.Id && ConsoleApprovalView.Text(record, "request_id") is { } requestId)
                {
                    refused.Add(requestId);
                }
            }

            foreach (var record in (await QueryAsync(tool)).Records)
            {
                if (ConsoleApprovalView.Text(record, "approval_id") != request.Id
                    || (ConsoleApprovalView.Text(record, "request_id") is { } requestId && refused.Contains(requestId)))
                {
                    continue;
                }

                var actor = ConsoleApprovalView.Text(record, "actor") ?? "?";
                var reason = record.TryGetProperty("explanation", out var explanation) ? ConsoleApprovalView.Text(explanation, "reason") : null;
                var time = record.TryGetProperty("time", out var t) && t.TryGetDateTimeOffset(out var at) ? at : DateTimeOffset.MinValue;
                entries.Add((time, Time(time) + " · <strong>" + E(actor.StartsWith("console:", StringComparison.Ordinal) ? actor["console:".Length..] : actor)
                    + "</strong> " + verb + (reason is null ? string.Empty : ": “" + E(reason) + "”")));
            }
        }

        if (entries.Count == 0)
        {
            return "<p id=\"history\">Nobody has decided yet.</p>";
        }

        return "<ol id=\"history\">" + string.Concat(entries.OrderBy(e => e.Time).Select(e => "<li>" + e.Text + "</li>")) + "</ol>";

        ValueTask<AuditQueryPage> QueryAsync(string tool) =>
            journal.QueryAsync(tenant, new AuditQuery { Tool = tool, Agent = request.Agent, From = request.CreatedAt.AddSeconds(-5), Limit = JournalPage }, cancellationToken);
    }
}
