using System.Text;
using System.Text.Json;
using Gateway.Cli.Evidence;
using Gateway.Policy.Evidence;

namespace Gateway.Cli;

/// <summary>
/// Checks a proof file (<c>gatewayctl audit prove -o</c>, the admin API's JSON) offline with public keys only: each
/// checkpoint's ES256 signature against the JWKS, an inclusion proof's leaf (SHA-256(0x00 ‖ record)) and path against its
/// checkpoint's root and the record at its place (its <c>seq</c> the leaf index + 1, its tenant and replica the
/// checkpoint's), a consistency proof's path between its two checkpoints (RFC 9162), and, given a checkpoint exported
/// before, that the proof is made against exactly it: an inclusion proof in its tree, a consistency proof starting from
/// it (a log rewritten since cannot produce either).
/// </summary>
internal static class AuditProofVerifier
{
    /// <summary>What a proof is of, as its signed checkpoint names it: the chain and tree, an inclusion proof's record seq, a consistency proof's first tree.</summary>
    public sealed record Subject(string Tenant, string Replica, long TreeSize, long? Seq, long? FirstTreeSize);

    /// <summary>Null when everything verifies; otherwise why not (a stable reason first).</summary>
    public static string? Verify(JsonElement proof, EvidenceKeySet keys, JsonElement? earlier) => Verify(proof, keys, earlier, out _);

    /// <summary>As <see cref="Verify(JsonElement, EvidenceKeySet, JsonElement?)"/>; <paramref name="subject"/> set once the proof's checkpoints verify, null before.</summary>
    public static string? Verify(JsonElement proof, EvidenceKeySet keys, JsonElement? earlier, out Subject? subject)
    {
        subject = null;
        var kind = proof.TryGetProperty("kind", out var k) ? k.GetString() : null;
        return kind switch
        {
            "inclusion" => VerifyInclusion(proof, keys, earlier, out subject),
            "consistency" => VerifyConsistency(proof, keys, earlier, out subject),
            _ => "not_a_proof: the file has no kind 'inclusion' or 'consistency'",
        };
    }

    private static string? VerifyInclusion(JsonElement proof, EvidenceKeySet keys, JsonElement? earlier, out Subject? subject)
    {
        subject = null;
        if (Checkpoint(proof.GetProperty("checkpoint"), keys, out var checkpoint) is { } bad)
        {
            return bad;
        }

        subject = new Subject(checkpoint!.Tenant, checkpoint.Replica, checkpoint.TreeSize, proof.GetProperty("leaf_index").GetInt64() + 1, null);

        if (earlier is { } known && Held(known, keys, checkpoint!) is { } notHeld)
        {
            return notHeld;
        }

        var leaf = MerkleTree.LeafHash(Encoding.UTF8.GetBytes(proof.GetProperty("record").GetString() ?? string.Empty));
        if (Convert.ToHexStringLower(leaf) != proof.GetProperty("leaf_hash").GetString())
        {
            return "record_altered: the record does not hash to the proof's leaf";
        }

        var index = proof.GetProperty("leaf_index").GetInt64();
        var line = proof.GetProperty("record").GetString() ?? string.Empty;
        if (!MerkleProof.VerifyInclusion(leaf, index, checkpoint!.TreeSize, Path(proof), Convert.FromHexString(checkpoint.RootHash)))
        {
            return "inclusion_failed: the path does not lead from the record to the checkpoint's root";
        }

        // In the tree is not sealed: a line edited without its hash, proven by a gateway that did not check it, is altered.
        return Placed(line, index, checkpoint)
            ?? (EvidenceRecordBinding.Unsealed(line) is { } unsealed ? $"record_altered: the record is not sealed as its hash says ({unsealed})" : null);
    }

    // The record proven must be the one its place holds: its seq leaf_index + 1, its tenant and replica the checkpoint's
    // (a leaf proves a line is in the tree, not which record the line is).
    private static string? Placed(string line, long index, AuditCheckpoint checkpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var record = document.RootElement;
            var seq = record.ValueKind == JsonValueKind.Object && record.TryGetProperty("seq", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var n) ? n : (long?)null;
            if (seq != index + 1)
            {
                return $"record_misplaced: the record has seq {seq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}, the proof places it at leaf_index {index} (seq {index + 1})";
            }

            var tenant = Text(record, "tenant");
            var replica = Text(record, "replica");
            return tenant == checkpoint.Tenant && replica == checkpoint.Replica
                ? null
                : $"partition_mismatch: the record is of tenant {tenant} replica {replica}, the checkpoint of tenant {checkpoint.Tenant} replica {checkpoint.Replica}";
        }
        catch (JsonException)
        {
            return "record_misplaced: the record is not JSON";
        }
    }

    private static string? Text(JsonElement record, string name) =>
        record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? VerifyConsistency(JsonElement proof, EvidenceKeySet keys, JsonElement? earlier, out Subject? subject)
    {
        subject = null;
        if (Checkpoint(proof.GetProperty("first"), keys, out var first) is { } badFirst)
        {
            return badFirst;
        }

        if (Checkpoint(proof.GetProperty("second"), keys, out var second) is { } badSecond)
        {
            return badSecond;
        }

        if (first!.Tenant != second!.Tenant || first.Replica != second.Replica)
        {
            return "partition_mismatch: the checkpoints are of different chains";
        }

        subject = new Subject(second.Tenant, second.Replica, second.TreeSize, null, first.TreeSize);

        if (earlier is { } known && Held(known, keys, first) is { } notHeld)
        {
            return notHeld;
        }

        return MerkleProof.VerifyConsistency(first.TreeSize, second.TreeSize, Convert.FromHexString(first.RootHash), Convert.FromHexString(second.RootHash), Path(proof))
            ? null
            : "consistency_failed: the later tree does not extend the earlier one";
    }

    // The proof's checkpoint must be the one the auditor holds: same chain, same tree, same root.
    private static string? Held(JsonElement known, EvidenceKeySet keys, AuditCheckpoint proven)
    {
        if (Checkpoint(known, keys, out var held) is { } badHeld)
        {
            return badHeld;
        }

        if (held!.Tenant != proven.Tenant || held.Replica != proven.Replica)
        {
            return $"partition_mismatch: the checkpoint given is of tenant {held.Tenant} replica {held.Replica}, the proof's of tenant {proven.Tenant} replica {proven.Replica}";
        }

        if (held.TreeSize != proven.TreeSize)
        {
            return $"checkpoint_not_held: the proof is made against the tree of {proven.TreeSize} records, the checkpoint given holds {held.TreeSize} (fetch it with --tree-size {held.TreeSize} or --first {held.TreeSize})";
        }

        return held.RootHash == proven.RootHash
            ? null
            : $"history_rewritten: the log's tree of {held.TreeSize} records now has root {proven.RootHash}, the earlier checkpoint says {held.RootHash}";
    }

    private static string? Checkpoint(JsonElement element, EvidenceKeySet keys, out AuditCheckpoint? checkpoint)
    {
        var jws = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("checkpoint", out var c) ? c.GetString() : null;
        return AuditCheckpoint.TryVerify(jws, keys, out checkpoint, out var error) ? null : "checkpoint_" + error + ": a checkpoint does not verify with the JWKS";
    }

    private static List<byte[]> Path(JsonElement proof) =>
        [.. proof.GetProperty("path").EnumerateArray().Select(static p => Convert.FromHexString(p.GetString() ?? string.Empty))];
}
