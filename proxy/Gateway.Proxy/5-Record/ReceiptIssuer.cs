using Gateway.Oversight.Audit;
using Gateway.Policy;
using Gateway.Policy.Evidence;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;

namespace Gateway.Proxy.Record;

/// <summary>
/// Signs a decision's receipt once its record is durable and its place in the chain's Merkle tree is known: one ES256
/// signature per request with the ring's active key (<see cref="DecisionReceipt"/>). The receipt binds the tenant, the
/// actor chain, the intent and policy digests, the decision, the request id and the record's leaf index and hash; the
/// record cannot carry the receipt (the receipt signs the record's hash), so a record's receipts are the ones that
/// name its leaf.
/// </summary>
internal sealed class ReceiptIssuer
{
    private readonly ReceiptKeyRing _keys;
    private readonly TimeProvider _time;

    public ReceiptIssuer(ReceiptKeyRing keys, TimeProvider time)
    {
        _keys = keys;
        _time = time;
    }

    public string Issue(AgentIdentity identity, GovernedDecision governed, AuditRecord record, string requestId) =>
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
        }.Sign(_keys.Active);
}
