namespace Gateway.Oversight.Audit;

/// <summary>
/// Folds repeated refusals (<see cref="AuditEntry.Aggregatable"/>: a rate-limit storm, a replay flood) that
/// arrive in one group into one record per tenant, agent, workspace, tool, decision and status, carrying
/// the <see cref="AuditEntry.Count"/> and every <see cref="AuditEntry.RequestIds"/> in arrival order. The
/// group is the window: such a record is durable before any of the refusals it stands for is answered,
/// like any other. Every other entry stays a record of its own, in its place.
/// </summary>
internal static class AuditRefusalAggregation
{
    /// <summary>
    /// The entries to seal, in order, each with the items it answers: an aggregated entry sits where its
    /// first refusal arrived. A refusal that is the only one of its kind in the group is left as it is.
    /// </summary>
    public static List<(AuditEntry Entry, List<T> Items)> Fold<T>(IReadOnlyList<T> items, Func<T, AuditEntry> entryOf)
    {
        var folded = new List<(AuditEntry Entry, List<T> Items)>(items.Count);
        Dictionary<Kind, int>? open = null;
        foreach (var item in items)
        {
            var entry = entryOf(item);
            if (entry.Aggregatable)
            {
                open ??= [];
                var kind = new Kind(entry.Agent, entry.Workspace, entry.Tool, entry.Decision, entry.StatusCode);
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
                var ids = new List<string>(members.Count);
                foreach (var member in members)
                {
                    if (entryOf(member).RequestId is { } id)
                    {
                        ids.Add(id);
                    }
                }

                folded[at] = (first with { RequestId = null, Count = members.Count, RequestIds = ids }, members);
            }
        }

        return folded;
    }

    private readonly record struct Kind(string Agent, string? Workspace, string? Tool, string Decision, int Status);
}
