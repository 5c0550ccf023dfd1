using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Evidence;

/// <summary>
/// Whether a pack's checkpoints are at least as new as what the auditor already holds, the way a Certificate
/// Transparency client checks each new tree head against the last one it saw (RFC 9162 §8.1.2): for each checkpoint the
/// auditor kept (<c>evidence verify --after-checkpoint</c>, one per chain; its signature checked with the same JWKS), the
/// pack's checkpoint of that chain must be of at least as many records (<c>checkpoint_rolled_back</c>), of the same root
/// at the same size (<c>history_rewritten</c>), and, when larger, come with a consistency proof in the pack
/// (<c>consistency/&lt;replica&gt;.json</c>, written by <c>evidence export --after-checkpoint</c>) from exactly the kept
/// checkpoint to exactly the pack's (<c>consistency_missing</c>, <c>consistency_failed</c>,
/// <c>proof_checkpoint_mismatch</c>). A consistency proof the pack holds is checked even when no checkpoint is given.
/// </summary>
internal static class EvidencePackRollback
{
    public static void Check(
        IReadOnlyDictionary<string, byte[]> files, EvidenceKeySet keys, string? tenant, IReadOnlyDictionary<string, AuditCheckpoint> checkpoints,
        IReadOnlyList<JsonElement> held, List<string> problems, Action<string> reading)
    {
        var proofs = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, bytes) in files.Where(static f => f.Key.StartsWith(EvidencePack.ConsistencyFolder, StringComparison.Ordinal)))
        {
            reading(name);
            var replica = name[EvidencePack.ConsistencyFolder.Length..^".json".Length];
            using var document = JsonDocument.Parse(bytes);
            var proof = document.RootElement.Clone();
            if (!checkpoints.TryGetValue(replica, out var checkpoint) || !Ends(proof, keys, checkpoint))
            {
                problems.Add($"proof_checkpoint_mismatch: {name} does not end at the pack's checkpoint of replica {replica}");
            }
            else if (AuditProofVerifier.Verify(proof, keys, earlier: null) is { } reason)
            {
                problems.Add($"{reason} ({name})");
            }
            else
            {
                proofs[replica] = proof;
            }
        }

        foreach (var known in held)
        {
            var jws = known.ValueKind == JsonValueKind.Object && known.TryGetProperty("checkpoint", out var c) ? c.GetString() : null;
            if (!AuditCheckpoint.TryVerify(jws, keys, out var kept, out var error))
            {
                problems.Add($"after_checkpoint_{error}: the checkpoint given with --after-checkpoint does not verify with the JWKS");
                continue;
            }

            var file = EvidencePack.CheckpointsFolder + kept!.Replica + ".json";
            if (kept.Tenant != tenant)
            {
                problems.Add($"tenant_mismatch: the checkpoint given with --after-checkpoint is of tenant {kept.Tenant}, the pack of {tenant}");
            }
            else if (!checkpoints.TryGetValue(kept.Replica, out var pack))
            {
                // The pack holds no record of that chain: nothing in it can be older than the auditor's view of it.
                continue;
            }
            else if (pack.TreeSize < kept.TreeSize)
            {
                problems.Add($"checkpoint_rolled_back: {file} is of {pack.TreeSize} records; the checkpoint given with --after-checkpoint already of {kept.TreeSize}");
            }
            else if (pack.TreeSize == kept.TreeSize)
            {
                if (pack.RootHash != kept.RootHash)
                {
                    problems.Add($"history_rewritten: {file} and the checkpoint given with --after-checkpoint are both of {pack.TreeSize} records with different roots");
                }
            }
            else if (!files.ContainsKey(EvidencePack.ConsistencyFolder + kept.Replica + ".json"))
            {
                problems.Add($"consistency_missing: the pack holds no consistency proof from the checkpoint given with --after-checkpoint ({kept.TreeSize} records) to {file} (export with --after-checkpoint)");
            }
            else if (!proofs.TryGetValue(kept.Replica, out var proof))
            {
                // Refused above already (it does not verify or does not end at the pack's checkpoint).
                continue;
            }
            else if (Head(proof, "first", keys) is var first && first?.TreeSize != kept.TreeSize)
            {
                problems.Add($"consistency_missing: {EvidencePack.ConsistencyFolder}{kept.Replica}.json starts from {first?.TreeSize} records, not from the checkpoint given with --after-checkpoint ({kept.TreeSize} records)");
            }
            else if (AuditProofVerifier.Verify(proof, keys, known) is { } reason)
            {
                problems.Add($"{reason} ({EvidencePack.ConsistencyFolder}{kept.Replica}.json from the checkpoint given with --after-checkpoint)");
            }
        }
    }

    // Whether the consistency proof's later checkpoint is the pack's checkpoint of its chain (same tenant, size and root).
    private static bool Ends(JsonElement proof, EvidenceKeySet keys, AuditCheckpoint checkpoint)
    {
        return Head(proof, "second", keys) is { } head
            && head.Tenant == checkpoint.Tenant && head.Replica == checkpoint.Replica && head.TreeSize == checkpoint.TreeSize && head.RootHash == checkpoint.RootHash;
    }

    // The proof's checkpoint under `member` when its signature verifies, else null.
    private static AuditCheckpoint? Head(JsonElement proof, string member, EvidenceKeySet keys)
    {
        var jws = proof.TryGetProperty(member, out var head) && head.ValueKind == JsonValueKind.Object && head.TryGetProperty("checkpoint", out var c) ? c.GetString() : null;
        return AuditCheckpoint.TryVerify(jws, keys, out var claims, out _) ? claims : null;
    }
}
