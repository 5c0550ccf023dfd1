using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Audit.Evidence;

/// <summary>
/// The audit log's proofs, per chain partition (a tenant's records written by one replica), RFC 6962 / RFC 9162 style:
/// a signed checkpoint of the tree as it is (<see cref="AuditCheckpoint"/>, signed with the receipt key), a record's
/// inclusion proof (by seq or request id) against the tree of a given size with that size's signed checkpoint, and the
/// consistency proof between two sizes; none for a record, or of a tree, past a hole in the stored chain
/// (<see cref="ChainBroken"/>), nor with a line whose seq is not the one asked. Everything needed to check them offline
/// travels with them: the record's line (whose leaf hash the verifier computes), the path, the tree heads; with the JWKS,
/// nothing else.
/// </summary>
public sealed class AuditProofs
{
    /// <summary>
    /// The stable code of a proof refused because the stored chain is not whole where it is asked for (a line removed, or
    /// one not the record its place holds): the tree stops before it, and no line is given for a seq it does not carry.
    /// </summary>
    public const string ChainBroken = "audit_chain_broken";

    private readonly AuditJournal _journal;
    private readonly AuditLeaves _leaves;
    private readonly ReceiptKeyRing _keys;
    private readonly TimeProvider _time;

    public AuditProofs(AuditJournal journal, AuditLeaves leaves, ReceiptKeyRing keys, TimeProvider time)
    {
        _journal = journal;
        _leaves = leaves;
        _keys = keys;
        _time = time;
    }

    /// <summary>A signed checkpoint of the partition's tree at <paramref name="size"/> leaves (null: all it holds now).</summary>
    public async ValueTask<SignedCheckpoint> CheckpointAsync(AuditPartition partition, long? size, CancellationToken cancellationToken)
    {
        await ThrowIfNoChainAsync(partition, cancellationToken).ConfigureAwait(false);
        var tree = await _leaves.ReadAsync(partition, size is { } last ? [last - 1] : [], cancellationToken).ConfigureAwait(false);
        var treeSize = size ?? tree.Count;
        ThrowIfBroken(partition, tree, size is null ? long.MaxValue : treeSize);
        if (treeSize < 0 || treeSize > tree.Count)
        {
            throw new AuditProofException("tree_size_unknown", $"The chain {partition} holds {tree.Count} records.");
        }

        return Sign(partition, tree, treeSize);
    }

    /// <summary>
    /// <see cref="InclusionAsync"/> as the JSON the admin API's <c>audit/proof/inclusion</c> answers (the console links
    /// the same document).
    /// </summary>
    public async ValueTask<byte[]> InclusionJsonAsync(AuditPartition partition, long seq, long? size, CancellationToken cancellationToken) =>
        EvidenceJson.Inclusion(await InclusionAsync(partition, seq, size, cancellationToken).ConfigureAwait(false));

    /// <summary>The inclusion proof of the record with <paramref name="seq"/> in the tree of <paramref name="size"/> leaves (null: all now).</summary>
    public async ValueTask<InclusionProof> InclusionAsync(AuditPartition partition, long seq, long? size, CancellationToken cancellationToken)
    {
        await ThrowIfNoChainAsync(partition, cancellationToken).ConfigureAwait(false);
        var tree = await _leaves.ReadAsync(partition, size is { } last ? [seq - 1, last - 1] : [seq - 1], cancellationToken).ConfigureAwait(false);
        ThrowIfBroken(partition, tree, Math.Max(seq, size ?? 0));
        var treeSize = size ?? tree.Count;
        if (treeSize > tree.Count || treeSize < 1)
        {
            throw new AuditProofException("tree_size_unknown", $"The chain {partition} holds {tree.Count} records.");
        }

        if (seq < 1 || seq > treeSize)
        {
            throw new AuditProofException("record_not_found", $"No record with seq {seq} in the tree of {treeSize} records of {partition}.");
        }

        // The store reads by position among the kept lines: after retention, record seq is at seq - 1 - anchor.
        var anchor = (await _journal.Store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false)).Length;
        if (seq <= anchor)
        {
            throw new AuditProofException("record_retired", $"Record {seq} of {partition} was retired (retention keeps its leaf hash, not its line): prove it from the retention export.");
        }

        string? line = null;
        await foreach (var read in _journal.Store.ReadAsync(partition, seq - 1 - anchor, cancellationToken).ConfigureAwait(false))
        {
            line = read;
            break;
        }

        if (line is not null && AuditStoredLine.Seq(line) is var found && found != seq)
        {
            // Never the proof of another record in its place: a retirement moved the lines (ask again), or the chain has a hole.
            throw (await _journal.Store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false)).Length != anchor
                ? Moved(partition, seq)
                : new AuditProofException(ChainBroken,
                    $"The stored line at the place of record {seq} of {partition} is {(found is { } other ? $"record {other}" : "not a record")}: the chain is not whole there (`audit verify` names where).");
        }

        if (line is not null && MerkleTree.LeafHash(System.Text.Encoding.UTF8.GetBytes(line)) is var hash && !hash.AsSpan().SequenceEqual(tree.Leaf(seq - 1)))
        {
            throw Moved(partition, seq);
        }

        var path = MerkleTree.InclusionPath(tree, seq - 1, treeSize);
        return new InclusionProof(Sign(partition, tree, treeSize), seq - 1, Convert.ToHexStringLower(tree.Leaf(seq - 1)),
            [.. path.Select(Convert.ToHexStringLower)], line ?? throw new AuditProofException("record_not_found", $"No record with seq {seq} in {partition}."));
    }

    /// <summary>The partition and seq of the decision record that names <paramref name="requestId"/> (its receipt's leaf), or null.</summary>
    public async ValueTask<(AuditPartition Partition, long Seq)?> FindAsync(string tenant, string requestId, CancellationToken cancellationToken)
    {
        var page = await _journal.QueryAsync(tenant, new AuditQuery { RequestId = requestId, Limit = 10 }, cancellationToken).ConfigureAwait(false);

        // A forwarded request has a decision record and an outcome; the decision's is the one its receipt binds.
        var records = page.Records.Where(static r => r.TryGetProperty("seq", out _) && r.TryGetProperty("replica", out _)).ToList();
        var chosen = records.FirstOrDefault(static r => r.TryGetProperty("explanation_digest", out _) || r.TryGetProperty("decisions", out _) || r.TryGetProperty("intent_digest", out _));
        if (chosen.ValueKind != JsonValueKind.Object)
        {
            chosen = records.FirstOrDefault();
        }

        return chosen.ValueKind == JsonValueKind.Object
            ? (new AuditPartition(tenant, chosen.GetProperty("replica").GetString()!), chosen.GetProperty("seq").GetInt64())
            : null;
    }

    /// <summary>The consistency proof from the tree of <paramref name="first"/> leaves to the tree of <paramref name="second"/> (null: all now), with both signed checkpoints.</summary>
    public async ValueTask<ConsistencyProof> ConsistencyAsync(AuditPartition partition, long first, long? second, CancellationToken cancellationToken)
    {
        await ThrowIfNoChainAsync(partition, cancellationToken).ConfigureAwait(false);
        var tree = await _leaves.ReadAsync(partition, second is { } last ? [first - 1, last - 1] : [first - 1], cancellationToken).ConfigureAwait(false);
        ThrowIfBroken(partition, tree, second ?? long.MaxValue);
        var secondSize = second ?? tree.Count;
        if (first < 0 || first > secondSize || secondSize > tree.Count)
        {
            throw new AuditProofException("tree_size_unknown", $"Sizes must satisfy 0 <= first <= second <= {tree.Count} for {partition}.");
        }

        var path = MerkleTree.ConsistencyPath(tree, first, secondSize);
        return new ConsistencyProof(Sign(partition, tree, first), Sign(partition, tree, secondSize), [.. path.Select(Convert.ToHexStringLower)]);
    }

    // A proof keeps what it reads of a chain's tree (AuditLeaves, never let go): only of a chain the tenant has (one of this
    // replica's own, one whose tree is kept already, or one the sink lists), never for an id a caller made up.
    private async ValueTask ThrowIfNoChainAsync(AuditPartition partition, CancellationToken cancellationToken)
    {
        if (!_journal.IsOwnChain(partition.Replica) && !_leaves.Holds(partition)
            && !(await _journal.ListChainsAsync(partition.Tenant, cancellationToken).ConfigureAwait(false)).Contains(partition.Replica, StringComparer.Ordinal))
        {
            throw new AuditProofException("record_not_found", "This tenant has no audit chain of that replica id.");
        }
    }

    private static AuditProofException Moved(AuditPartition partition, long seq) =>
        new("record_not_found", $"The record at seq {seq} of {partition} moved while it was read (a retirement): ask again.");

    // A tree that stopped before a hole in the chain cannot speak for records at or past it (up to `needed`).
    private static void ThrowIfBroken(AuditPartition partition, AuditTreeView tree, long needed)
    {
        if (tree.Break is { } where && needed > tree.Count)
        {
            throw new AuditProofException(ChainBroken,
                $"The Merkle tree of {partition} stops after record {tree.Count}: {where} (`audit verify` names the break). No checkpoint or proof past it is given.");
        }
    }

    private SignedCheckpoint Sign(AuditPartition partition, AuditTreeView tree, long size)
    {
        var checkpoint = new AuditCheckpoint
        {
            Tenant = partition.Tenant,
            Replica = partition.Replica,
            TreeSize = size,
            RootHash = Convert.ToHexStringLower(MerkleTree.Root(tree, size)),
            Time = _time.GetUtcNow(),
        };
        return new SignedCheckpoint(checkpoint, checkpoint.Sign(_keys.Active));
    }
}

/// <summary>A checkpoint's claims and its compact JWS.</summary>
public sealed record SignedCheckpoint(AuditCheckpoint Claims, string Jws);

/// <summary>A record's inclusion proof: the checkpoint of the tree it is proved in, its leaf, the path (hex, bottom up) and its line.</summary>
public sealed record InclusionProof(SignedCheckpoint Checkpoint, long LeafIndex, string LeafHash, IReadOnlyList<string> Path, string Line);

/// <summary>The consistency proof between two checkpoints of one partition (path hex, RFC 6962 PROOF order).</summary>
public sealed record ConsistencyProof(SignedCheckpoint First, SignedCheckpoint Second, IReadOnlyList<string> Path);

/// <summary>A proof that cannot be given: a stable code and a message.</summary>
public sealed class AuditProofException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
