using System.Text.Json;
using Gateway.Policy;

namespace Gateway.Audit;

/// <summary>
/// Folds the entries of one group that may share a record (<see cref="AuditEntry.Fold"/>) into one record per kind:
/// <list type="bullet">
/// <item>repeated refusals (a rate-limit storm, a replay flood): one record per tenant, agent, workspace, tool,
/// decision and status, carrying the <see cref="AuditEntry.Count"/> and every <see cref="AuditEntry.RequestIds"/>
/// in arrival order;</item>
/// <item>outcomes of forwarded requests: one record per tenant, agent, workspace, tool, connector and decision (and
/// approval and simulate flag), carrying the <see cref="AuditEntry.Count"/> and each request's own
/// <see cref="AuditEntry.Outcomes"/> in arrival order;</item>
/// <item>decisions: one record per tenant, agent, workspace, tool, connector, decision, status, policy digest,
/// explanation digest, failing controls, approval and simulate flag, carrying the <see cref="AuditEntry.Count"/> and
/// each request's id and intent digest (<see cref="AuditEntry.Decisions"/>) in arrival order.</item>
/// </list>
/// The group is the window: such a record is durable before any of the requests it stands for is answered (or
/// forwarded), like any other. Every other entry, and one that is the only one of its kind in the group, stays a record
/// of its own, in its place.
/// </summary>
internal static class AuditGroupFold
{
    /// <summary>
    /// The entries to seal, in order, each with the items it answers, into <paramref name="folded"/> (emptied first): a
    /// folded entry sits where its first member arrived. An entry that is the only one of its kind in the group is left
    /// as it is. Decisions fold by the digest of their stored explanation, resolved through
    /// <paramref name="explanations"/> (the cache the seal resolves it through again, so the second time is a lookup).
    /// A group of one answers <paramref name="items"/> itself as its entry's items: the caller leaves that list as it is
    /// while it uses what was folded. <paramref name="open"/> is the caller's to keep for its next group (emptied here):
    /// a group's kinds are large keys, and a dictionary of them per group was a tenth of the sealer's allocation.
    /// </summary>
    public static void Fold<T>(List<T> items, Func<T, AuditEntry> entryOf, AuditExplanationCache explanations, List<(AuditEntry Entry, List<T> Items)> folded, Dictionary<Kind, int> open)
    {
        folded.Clear();
        open.Clear();
        if (items.Count == 1)
        {
            // One entry is the only one of its kind: nothing to fold, no kind to work out, no list of its own.
            folded.Add((entryOf(items[0]), items));
            return;
        }

        foreach (var item in items)
        {
            var entry = entryOf(item);
            if (Kind.Of(entry, explanations) is { } kind)
            {
                if (open.TryGetValue(kind, out var at))
                {
                    folded[at].Items.Add(item);
                    continue;
                }

                open[kind] = folded.Count;
            }

            folded.Add((entry, [item]));
        }

        foreach (var at in open.Values)
        {
            var (first, members) = folded[at];
            if (members.Count > 1)
            {
                folded[at] = (first.Fold switch
                {
                    AuditFold.Outcome => Outcomes(first, members, entryOf),
                    AuditFold.Decision => Decisions(first, members, entryOf),
                    _ => Refusals(first, members, entryOf),
                }, members);
            }
        }
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

    // A decision's request id and intent digest vary; everything else is in its kind. The record keeps the first's
    // explanation, which the seal stores less its intent digest (the same stored explanation for every member).
    private static AuditEntry Decisions<T>(AuditEntry first, List<T> members, Func<T, AuditEntry> entryOf)
    {
        var decisions = new List<AuditDecision>(members.Count);
        foreach (var member in members)
        {
            var entry = entryOf(member);
            decisions.Add(new AuditDecision { RequestId = entry.RequestId ?? string.Empty, IntentDigest = entry.IntentDigest });
        }

        return first with { RequestId = null, IntentDigest = null, Count = members.Count, Decisions = decisions };
    }

    // Refusals carry no connector, approval or simulate flag; outcomes fold across statuses (each keeps its own);
    // decisions also by policy digest, explanation digest and failing controls (compared item by item: Items).
    internal readonly record struct Kind(
        AuditFold Fold,
        string Agent,
        string? Workspace,
        string? Tool,
        string? Connector,
        string Decision,
        int Status,
        string? ApprovalId,
        string? EvaluationRequestId,
        bool? Simulated,
        string? SecretSlot,
        string? Person,
        string? PersonIssuer,
        string? UpstreamAccount,
        string? RunId,
        string? RunEndedBy,
        Items<ActorLink>? ActorChain,
        string? PolicyDigest,
        string? ExplanationDigest,
        Items<string>? FailingControls)
    {
        /// <summary>The entry's kind, or null when it keeps a record of its own.</summary>
        public static Kind? Of(AuditEntry entry, AuditExplanationCache explanations)
        {
            if (entry.Fold == AuditFold.None)
            {
                return null;
            }

            string? explanationDigest = null;
            Items<string>? failingControls = null;
            if (entry.Fold == AuditFold.Decision)
            {
                // A decision carries nothing of an outcome; one that does (or whose explanation does not resolve, which
                // its seal then refuses alone) keeps a record of its own.
                if (entry.Invoked || entry.UpstreamStatus is not null || entry.LatencyMs is not null || entry.Redactions is not null
                    || !TryResolve(entry, explanations, out explanationDigest))
                {
                    return null;
                }

                failingControls = entry.FailingControls is { } controls ? new Items<string>(controls) : null;
            }

            return new Kind(
                entry.Fold,
                entry.Agent,
                entry.Workspace,
                entry.Tool,
                entry.Connector,
                entry.Decision,
                entry.Fold == AuditFold.Outcome ? 0 : entry.StatusCode,
                entry.ApprovalId,
                entry.EvaluationRequestId,
                entry.Simulated,
                entry.SecretSlot,
                entry.Person,
                entry.PersonIssuer,
                entry.UpstreamAccount,
                entry.RunId,
                entry.RunEndedBy,
                entry.ActorChain is { } chain ? new Items<ActorLink>(chain) : null,
                entry.Fold == AuditFold.Decision ? entry.PolicyDigest : null,
                explanationDigest,
                failingControls);
        }

        private static bool TryResolve(AuditEntry entry, AuditExplanationCache explanations, out string? digest)
        {
            digest = null;
            if (entry.Explanation.IsEmpty)
            {
                return true;
            }

            try
            {
                digest = explanations.Resolve(entry.Explanation, entry.IntentDigest).Digest;
                return true;
            }
            catch (Exception ex) when (ex is JsonException or FormatException)
            {
                return false;
            }
        }
    }

    // A list compared item by item (and hashed so), as a kind's part: no string joined per entry to compare it.
    internal readonly struct Items<T>(IReadOnlyList<T> list) : IEquatable<Items<T>>
    {
        private readonly IReadOnlyList<T> _list = list;

        public bool Equals(Items<T> other)
        {
            if (_list.Count != other._list.Count)
            {
                return false;
            }

            for (var i = 0; i < _list.Count; i++)
            {
                if (!EqualityComparer<T>.Default.Equals(_list[i], other._list[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is Items<T> other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var item in _list)
            {
                hash.Add(item);
            }

            return hash.ToHashCode();
        }
    }
}
