using System.Text.Json;

namespace Gateway.Policy.Evidence;

/// <summary>
/// A signed decision receipt's claims: which decision the gateway took for which request of which tenant and actor
/// chain, on which intent and policy, and where its record sits in the tenant's audit log (the chain partition
/// <see cref="Replica"/>, the record's zero-based <see cref="LeafIndex"/> = seq − 1 and its RFC 6962
/// <see cref="LeafHash"/>), so that an inclusion proof against a signed checkpoint shows the record is in the log.
/// Signed in batches (<see cref="ReceiptBatch"/>): one ES256 signature over the Merkle root of a group's claims, each
/// receipt carrying its claims and their path to that root. Members are written sorted; absent ones left out.
/// </summary>
public sealed record DecisionReceipt
{
    /// <summary>The JWS <c>typ</c> of a receipt issued before batching (one signature each); still verified.</summary>
    public const string Type = "gamut-receipt+jws";

    /// <summary>The <c>v</c> of a receipt issued before batching.</summary>
    public const int Version = 1;

    public required string Tenant { get; init; }

    public required string Replica { get; init; }

    public required string RequestId { get; init; }

    public required string Agent { get; init; }

    /// <summary>Who acted, first principal first, when more than the signing agent alone; null otherwise.</summary>
    public IReadOnlyList<ReceiptActor>? ActorChain { get; init; }

    public string? Tool { get; init; }

    /// <summary>The decision's wire name (allow, allow_and_log, degrade, require_approval, block, block_and_open_incident).</summary>
    public required string Decision { get; init; }

    public string? IntentDigest { get; init; }

    public string? PolicyDigest { get; init; }

    /// <summary>Zero-based index of the record in its chain's Merkle tree (its seq − 1).</summary>
    public required long LeafIndex { get; init; }

    /// <summary>Lowercase hex SHA-256(0x00 ‖ the record's journal line).</summary>
    public required string LeafHash { get; init; }

    /// <summary>The record's hash-chain <c>hash</c>.</summary>
    public required string RecordHash { get; init; }

    /// <summary>When it was issued (seconds since the epoch).</summary>
    public required long IssuedAt { get; init; }

    /// <summary>Signs this receipt alone: a batch of one (<see cref="ReceiptBatch"/>).</summary>
    public string Sign(ReceiptKey key) => ReceiptBatch.Sign([this], key, IssuedAt)[0];

    /// <summary>
    /// Writes the claims as the batch's leaf carries them into <paramref name="json"/> (flushed): a JSON object, members
    /// sorted, absent ones left out, <c>v</c> 2 and the leaf's <c>batch_index</c>.
    /// </summary>
    internal void WriteClaims(int batchIndex, Utf8JsonWriter json)
    {
        json.WriteStartObject();
        if (ActorChain is { } chain)
        {
            json.WriteStartArray("actor_chain");
            foreach (var actor in chain)
            {
                actor.Write(json);
            }

            json.WriteEndArray();
        }

        json.WriteString("agent", Agent);
        json.WriteNumber("batch_index", batchIndex);
        json.WriteString("decision", Decision);
        json.WriteNumber("iat", IssuedAt);
        WriteOptional(json, "intent_digest", IntentDigest);
        json.WriteString("leaf_hash", LeafHash);
        json.WriteNumber("leaf_index", LeafIndex);
        WriteOptional(json, "policy_digest", PolicyDigest);
        json.WriteString("record_hash", RecordHash);
        json.WriteString("replica", Replica);
        json.WriteString("request_id", RequestId);
        json.WriteString("tenant", Tenant);
        WriteOptional(json, "tool", Tool);
        json.WriteNumber("v", ReceiptBatch.Version);
        json.WriteEndObject();
        json.Flush();
    }

    /// <summary>
    /// Verifies <paramref name="receipt"/> with public keys only; the claims, or why it was refused
    /// (<see cref="EvidenceErrors"/>). Takes a batched receipt (<see cref="ReceiptBatch"/>) and a receipt issued before
    /// batching (a compact JWS of the claims, <c>typ</c> <see cref="Type"/>, <c>v</c> 1).
    /// </summary>
    public static bool TryVerify(string? receipt, EvidenceKeySet keys, out DecisionReceipt? claims, out string? error)
    {
        claims = null;
        if (receipt is not null && receipt.Contains(ReceiptBatch.Separator, StringComparison.Ordinal))
        {
            if (!ReceiptBatch.TryOpen(receipt, keys, out var payload, out error))
            {
                return false;
            }

            claims = FromPayload(payload, ReceiptBatch.Version);
            error = claims is null ? EvidenceErrors.InvalidClaims : null;
            return claims is not null;
        }

        if (!EvidenceToken.TryVerify(receipt, Type, keys, out var single, out error))
        {
            return false;
        }

        claims = FromPayload(single, Version);
        error = claims is null ? EvidenceErrors.InvalidClaims : null;
        return claims is not null;
    }

    private static DecisionReceipt? FromPayload(JsonElement p, int version)
    {
        if (EvidenceToken.Number(p, "v") != version
            || EvidenceToken.Text(p, "tenant") is not { } tenant || EvidenceToken.Text(p, "replica") is not { } replica
            || EvidenceToken.Text(p, "request_id") is not { } requestId || EvidenceToken.Text(p, "agent") is not { } agent
            || EvidenceToken.Text(p, "decision") is not { } decision || EvidenceToken.Number(p, "leaf_index") is not { } leafIndex
            || EvidenceToken.Text(p, "leaf_hash") is not { } leafHash || EvidenceToken.Text(p, "record_hash") is not { } recordHash
            || EvidenceToken.Number(p, "iat") is not { } issuedAt)
        {
            return null;
        }

        List<ReceiptActor>? chain = null;
        if (p.TryGetProperty("actor_chain", out var array))
        {
            if (array.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            chain = [];
            foreach (var item in array.EnumerateArray())
            {
                if (ReceiptActor.Read(item) is not { } actor)
                {
                    return null;
                }

                chain.Add(actor);
            }
        }

        return new DecisionReceipt
        {
            Tenant = tenant,
            Replica = replica,
            RequestId = requestId,
            Agent = agent,
            ActorChain = chain,
            Tool = EvidenceToken.Text(p, "tool"),
            Decision = decision,
            IntentDigest = EvidenceToken.Text(p, "intent_digest"),
            PolicyDigest = EvidenceToken.Text(p, "policy_digest"),
            LeafIndex = leafIndex,
            LeafHash = leafHash,
            RecordHash = recordHash,
            IssuedAt = issuedAt,
        };
    }

    internal static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
