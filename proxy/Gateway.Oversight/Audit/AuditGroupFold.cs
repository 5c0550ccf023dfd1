namespace Gateway.Oversight.Audit;

/// <summary>
/// Folds the entries of one group that may share a record (<see cref="AuditEntry.Fold"/>) into one record per kind:
/// <list type="bullet">
/// <item>repeated refusals (a rate-limit storm, a replay flood): one record per tenant, agent, workspace, tool,
/// decision and status, carrying the <see cref="AuditEntry.Count"/> and every <see cref="AuditEntry.RequestIds"/>
/// in arrival order;</item>
/// <item>outcomes of forwarded requests: one record per tenant, agent, workspace, tool, connector and decision (and
/// approval and simulate flag), carrying the <see cref="AuditEntry.Count"/> and each request's own
/// <see cref="AuditEntry.Outcomes"/> in arrival order.</item>
/// </list>
/// The group is the window: such a record is durable before any of the requests it stands for is answered, like
/// any other. Every other entry, and one that is the only one of its kind in the group, stays a record of its own,
/// in its place.
/// </summary>
internal static class AuditGroupFold
{
    /// <summary>
    /// The entries to seal, in order, each with the items it answers: a folded entry sits where its first member
    /// arrived. An entry that is the only one of its kind in the group is left as it is.
    /// </summary>
    public static List<(AuditEntry Entry, List<T> Items)> Fold<T>(IReadOnlyList<T> items, Func<T, AuditEntry> entryOf)
    {
        var folded = new List<(AuditEntry Entry, List<T> Items)>(items.Count);
        Dictionary<Kind, int>? open = null;
        foreach (var item in items)
        {
            var entry = entryOf(item);
            if (entry.Fold != AuditFold.None)
            {
                open ??= [];
                var kind = Kind.Of(entry);
                if (open.TryGetValue(kind, out var at))
                {
                    folded[at].Items.Add(item);
                    continue;
                }

                open[kind] = folded.Count;
            }

            folded.Add((entry, [item]));
        }

        if (open is null)
        {
            return folded;
        }

        foreach (var at in open.Values)
        {
            var (first, members) = folded[at];
            if (members.Count > 1)
            {
                folded[at] = (first.Fold == AuditFold.Outcome ? Outcomes(first, members, entryOf) : Refusals(first, members, entryOf), members);
            }
        }

        return folded;
    }

    private static AuditEntry Refusals<T>(AuditEntry first, List<T> members, Func<T, AuditEntry> entryOf)
    {
        var ids = new List<string>(members.Count);
        foreach (var member in members)
        {
            if (entryOf(member).RequestId is { } id)
            {
                ids.Add(id);
            }
        }

        return first with { RequestId = null, Count = members.Count, RequestIds = ids };
    }

    // What varies from one request to the next goes into its outcome; what the record's members say is the same for all.
    private static AuditEntry Outcomes<T>(AuditEntry first, List<T> members, Func<T, AuditEntry> entryOf)
    {
        var outcomes = new List<AuditOutcome>(members.Count);
        foreach (var member in members)
        {
            var entry = entryOf(member);
            outcomes.Add(new AuditOutcome
            {
                RequestId = entry.RequestId ?? string.Empty,
                StatusCode = entry.StatusCode,
                Invoked = entry.Invoked,
                UpstreamStatus = entry.UpstreamStatus,
                LatencyMs = entry.LatencyMs,
                Redactions = entry.Redactions,
            });
        }

        return first with
        {
            RequestId = null,
            Count = members.Count,
            Outcomes = outcomes,
            StatusCode = 0,
            Invoked = false,
            UpstreamStatus = null,
            LatencyMs = null,
            Redactions = null,
        };
    }

    // Refusals carry no connector, approval or simulate flag; outcomes fold across statuses (each keeps its own).
    private readonly record struct Kind(
        AuditFold Fold, string Agent, string? Workspace, string? Tool, string? Connector, string Decision, int Status, string? ApprovalId, bool? Simulated)
    {
        public static Kind Of(AuditEntry entry) => new(
            entry.Fold,
            entry.Agent,
            entry.Workspace,
            entry.Tool,
            entry.Connector,
            entry.Decision,
            entry.Fold == AuditFold.Outcome ? 0 : entry.StatusCode,
            entry.ApprovalId,
            entry.Simulated);
    }
}
