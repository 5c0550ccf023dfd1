using Gateway.Oversight.Audit;
using Gateway.Policy;
using Gateway.Policy.Evidence;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;

namespace Gateway.Proxy.Record;

/// <summary>
/// What a decision's receipt says (<see cref="DecisionReceipt"/>): the tenant, the actor chain, the intent and policy
/// digests, the decision, the request id and, once the record is sealed, its leaf index and hash in the chain's Merkle
/// tree. The journal signs the claims of a whole audit group with one signature once the group is durable
/// (<see cref="ReceiptBatch"/>); the record cannot carry the receipt (the receipt signs the record's hash), so a
/// record's receipts are the ones that name its leaf.
/// </summary>
internal sealed class ReceiptIssuer
{
    private readonly TimeProvider _time;

    public ReceiptIssuer(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>The claims of the request's receipt, made of its sealed record.</summary>
    public Func<AuditRecord, DecisionReceipt> ClaimsFor(AgentIdentity identity, GovernedDecision governed, string requestId) =>
        record => Claims(identity, governed, record, requestId);

    private DecisionReceipt Claims(AgentIdentity identity, GovernedDecision governed, AuditRecord record, string requestId) =>
        new DecisionReceipt
        {
            Tenant = record.Tenant,
            Replica = record.Replica ?? string.Empty,
            RequestId = requestId,
            Agent = identity.Agent,
            ActorChain = identity.ChainLinks is { } links ? [.. links.Select(ReceiptActor.Of)] : null,
            Tool = governed.Decision.Descriptor?.Tool,
            Decision = WireNames.Of(governed.Kind),
            IntentDigest = governed.Decision.IntentDigest,
            PolicyDigest = governed.Decision.PolicyDigest,
            LeafIndex = record.Seq - 1,
            LeafHash = record.LeafHash ?? throw new InvalidOperationException("The record was not sealed."),
            RecordHash = record.Hash ?? throw new InvalidOperationException("The record was not sealed."),
            IssuedAt = _time.GetUtcNow().ToUnixTimeSeconds(),
        };
}
