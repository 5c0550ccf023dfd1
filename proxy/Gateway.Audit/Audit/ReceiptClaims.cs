using Gateway.Policy.Evidence;

namespace Gateway.Audit;

/// <summary>
/// What a decision receipt says (<see cref="DecisionReceipt"/>), made of the sealed record alone and the request id:
/// the one definition, used when the journal signs a group's receipts and when it rebuilds them from the stored
/// batches. For a record of several decisions (<see cref="AuditEntry.Decisions"/>) the request's own intent digest; a
/// record that does not decide the request has no receipt for it (<see cref="ArgumentException"/>).
/// </summary>
public static class ReceiptClaims
{
    /// <summary>The claims of <paramref name="requestId"/>'s receipt over <paramref name="record"/>, issued at <paramref name="issuedAt"/> (seconds).</summary>
    public static DecisionReceipt Of(AuditRecord record, string requestId, long issuedAt)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(requestId);
        var intent = record.Decisions is { } decisions
            ? IntentOf(decisions, requestId)
            : record.RequestId == requestId ? record.IntentDigest
            : throw new ArgumentException($"The record does not decide request '{requestId}'.", nameof(requestId));
        return new DecisionReceipt
        {
            Tenant = record.Tenant,
            Replica = record.Replica ?? string.Empty,
            RequestId = requestId,
            Agent = record.Agent,
            ActorChain = record.ActorChain is { } links ? [.. links.Select(ReceiptActor.Of)] : null,
            Tool = record.Tool,
            Decision = record.Decision,
            IntentDigest = intent,
            PolicyDigest = record.PolicyDigest,
            LeafIndex = record.Seq - 1,
            LeafHash = record.LeafHash ?? throw new InvalidOperationException("The record was not sealed."),
            RecordHash = record.Hash ?? throw new InvalidOperationException("The record was not sealed."),
            IssuedAt = issuedAt,
        };
    }

    // The request's own intent digest in a record of several decisions (a loop: a lambda over requestId made a closure
    // on every call, the usual record of one decision too).
    private static string? IntentOf(IReadOnlyList<AuditDecision> decisions, string requestId)
    {
        for (var i = 0; i < decisions.Count; i++)
        {
            if (decisions[i].RequestId == requestId)
            {
                return decisions[i].IntentDigest;
            }
        }

        throw new ArgumentException($"The record does not decide request '{requestId}'.", nameof(requestId));
    }
}
