using System.Text;
using System.Text.Json;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Evidence;

/// <summary>
/// Checks an evidence pack offline with public keys only, and names every problem (a stable code, then where):
/// the manifest's hashes (<c>file_altered</c>, <c>file_missing</c>, <c>file_unlisted</c>), the files' names against the pack's
/// layout (<see cref="EvidencePackLayout"/>: <c>file_unexpected</c>), the manifest's signature
/// (<c>manifest_signature_&lt;code&gt;</c>, <c>manifest_altered</c>, <c>tenant_mismatch</c>), each checkpoint
/// (<c>checkpoint_&lt;code&gt;</c>), each inclusion proof against its partition's checkpoint (<c>proof_checkpoint_mismatch</c>, <c>checkpoint_rolled_back</c>,
/// <c>record_altered</c>, <c>inclusion_failed</c>), each record against its proven line member for member
/// (<see cref="EvidenceRecordBinding"/>; <c>record_unproven</c>, <c>record_altered</c>, <c>record_duplicated</c>), against the
/// manifest's selection, which must be one the exporter writes (<see cref="EvidencePackSelection.Malformed"/>: <c>malformed</c>;
/// <c>record_outside_selection</c>), each proven line against its own seal and the proven line before
/// it in its chain (<c>record_altered</c>: a line proven though its hash chain does not hold it), each explanation the pack added beside a line's digest
/// (<c>explanation_altered</c>), each receipt (<c>receipt_&lt;code&gt;</c>, <c>receipt_unbound</c>: its leaf proven, at its replica and leaf_index), the checkpoints
/// against those the auditor already holds (<see cref="EvidencePackRollback"/>), the records of a time range's chains left out
/// between two it proves (<see cref="EvidencePackSelection.CheckGaps"/>: <c>record_gap</c>) and what the pack says was retired before
/// the export (<see cref="EvidencePackRetired"/>: reported, not a failure; <c>retired_inconsistent</c> when it does not hold),
/// and the decisions whose outcome is not in the pack (<see cref="AuditOutcomeTally"/> over the proven lines: "outcome unknown", reported, not a failure).
/// </summary>
internal static class EvidencePackVerifier
{
    public sealed record Result(int Records, IReadOnlyList<AuditCheckpoint> Checkpoints, string? ManifestSha256, IReadOnlyList<string> Problems)
    {
        /// <summary>The chains whose oldest records were retired before the export (none of them can be in the pack).</summary>
        public IReadOnlyList<EvidencePackRetired.Chain> Retired { get; init; } = [];

        /// <summary>
        /// The pack's decisions to be carried out whose outcome record is not in the pack ("outcome unknown": the outcome's
        /// append lost to a crash, or outside the pack's time range); reported, not a problem.
        /// </summary>
        public long OutcomeUnknown { get; init; }

        /// <summary>Their request ids, in the pack's order (the first <see cref="AuditOutcomeTally.MaxListed"/>).</summary>
        public IReadOnlyList<string> OutcomeUnknownRequestIds { get; init; } = [];

        /// <summary>The selection the signed manifest states (<c>default</c> when it has none), to print beside the verdict.</summary>
        public JsonElement Selection { get; init; }

        /// <summary>The tenant the signed manifest states (null when it cannot be read), to print beside the verdict.</summary>
        public string? Tenant { get; init; }

        /// <summary>The policy files the proven records attest by digest (their policy, not their comments or formatting).</summary>
        public IReadOnlyList<EvidencePackBundle.AttestedFile> Bundle { get; init; } = [];
    }

    /// <summary>Checks the pack; <paramref name="held"/> are checkpoints the auditor kept (as the admin API exports them) that the pack must not be older than.</summary>
    public static Result Verify(IReadOnlyDictionary<string, byte[]> files, EvidenceKeySet keys, IReadOnlyList<JsonElement>? held = null)
    {
        var problems = new List<string>();
        if (!files.TryGetValue(EvidencePack.Manifest, out var manifestBytes))
        {
            return new Result(0, [], null, ["file_missing: manifest.json"]);
        }

        var manifestSha = EvidencePack.Sha256(manifestBytes);
        var current = EvidencePack.Manifest;
        JsonElement selection = default;
        string? tenant = null;
        try
        {
            using var manifest = JsonDocument.Parse(manifestBytes);
            tenant = manifest.RootElement.GetProperty("tenant").GetString();
            CheckHashes(files, manifest.RootElement.GetProperty("files"), problems);
            EvidencePackLayout.CheckNames(files.Keys, tenant, problems);
            CheckSignature(files, keys, manifestSha, tenant, problems);
            selection = manifest.RootElement.TryGetProperty("selection", out var s) ? s.Clone() : default;
            if (EvidencePackSelection.Malformed(selection) is { } why)
            {
                // Removed or changed and signed again, the selection would turn its own checks (record_gap among them) off.
                problems.Add($"malformed: manifest.json's selection {why}");
            }

            return Contents(files, keys, (tenant, selection, held ?? []), manifestSha, problems, name => current = name) with { Selection = selection, Tenant = tenant };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            // A file that is not what its name says (edited into something else): named, never a crash.
            problems.Add($"malformed: {current} ({ex.Message})");
            return new Result(0, [], manifestSha, problems) { Selection = selection, Tenant = tenant };
        }
    }

    private static Result Contents(
        IReadOnlyDictionary<string, byte[]> files, EvidenceKeySet keys, (string? Tenant, JsonElement Selection, IReadOnlyList<JsonElement> Held) pack,
        string manifestSha, List<string> problems, Action<string> reading)
    {
        var tenant = pack.Tenant;
        var checkpoints = new Dictionary<string, (AuditCheckpoint Claims, string Jws)>(StringComparer.Ordinal);
        foreach (var (name, bytes) in files.Where(static f => f.Key.StartsWith(EvidencePack.CheckpointsFolder, StringComparison.Ordinal)))
        {
            reading(name);
            using var document = JsonDocument.Parse(bytes);
            var jws = document.RootElement.TryGetProperty("checkpoint", out var c) ? c.GetString() : null;
            if (!AuditCheckpoint.TryVerify(jws, keys, out var claims, out var error))
            {
                problems.Add($"checkpoint_{error}: {name} does not verify with the JWKS");
            }
            else if (claims!.Tenant != tenant)
            {
                problems.Add($"tenant_mismatch: {name} is a checkpoint of tenant {claims.Tenant}");
            }
            else if (name != EvidencePackLayout.CheckpointName(claims.Replica))
            {
                problems.Add(EvidencePackLayout.Unexpected(name, $"holds the checkpoint of replica {claims.Replica}, which is {EvidencePackLayout.CheckpointName(claims.Replica)}"));
            }
            else
            {
                checkpoints[claims.Replica] = (claims, jws!);
            }
        }

        var proven = new Dictionary<(string Replica, long Seq), JsonElement>();
        var leaves = new Dictionary<string, (string Replica, long Index)>(StringComparer.Ordinal);
        foreach (var (name, bytes) in files.Where(static f => f.Key.StartsWith(EvidencePack.ProofsFolder, StringComparison.Ordinal)))
        {
            reading(name);
            using var document = JsonDocument.Parse(bytes);
            var proof = document.RootElement;
            var jws = proof.GetProperty("checkpoint").TryGetProperty("checkpoint", out var c) ? c.GetString() : null;
            var replica = proof.GetProperty("checkpoint").TryGetProperty("replica", out var r) ? r.GetString() ?? string.Empty : string.Empty;

            // Each proof carries its own signature of the same tree head: it must be the pack's checkpoint's head. A proof
            // against a larger tree of the chain than the pack's checkpoint means the checkpoint was swapped for an older one.
            var head = AuditCheckpoint.TryVerify(jws, keys, out var signed, out _) ? signed : null;
            if (!checkpoints.TryGetValue(replica, out var checkpoint) || head is null
                || head.Tenant != checkpoint.Claims.Tenant || head.TreeSize != checkpoint.Claims.TreeSize || head.RootHash != checkpoint.Claims.RootHash)
            {
                problems.Add(head is not null && checkpoint.Claims is { } older && head.Tenant == older.Tenant && head.TreeSize > older.TreeSize
                    ? $"checkpoint_rolled_back: {name} is against the chain's tree of {head.TreeSize} records; the pack's checkpoint of replica {replica} holds only {older.TreeSize}"
                    : $"proof_checkpoint_mismatch: {name} is not against the pack's checkpoint of replica {replica}");
                continue;
            }

            if (AuditProofVerifier.Verify(proof, keys, earlier: null) is { } reason)
            {
                problems.Add($"{reason} ({name})");
                continue;
            }

            // AuditProofVerifier checked the line's own seal too: a leaf proves a line is in the tree, not that it is sealed.
            var text = proof.GetProperty("record").GetString()!;
            using var line = JsonDocument.Parse(text);
            var seq = line.RootElement.GetProperty("seq").GetInt64();
            if (name != EvidencePackLayout.ProofName(replica, seq))
            {
                // One proof per record, under its own name: never a second copy of a record's proof under another's.
                problems.Add(EvidencePackLayout.Unexpected(name, $"holds the proof of replica {replica} seq {seq}, which is {EvidencePackLayout.ProofName(replica, seq)}"));
                continue;
            }

            proven[(replica, seq)] = line.RootElement.Clone();
            leaves.TryAdd(proof.GetProperty("leaf_hash").GetString()!, (replica, proof.GetProperty("leaf_index").GetInt64()));
        }

        CheckLinks(proven, problems);
        EvidencePackSelection.CheckGaps(pack.Selection, proven.Keys, problems);
        EvidencePackSelection.CheckShared(pack.Selection, proven, problems);

        var heads = checkpoints.ToDictionary(static c => c.Key, static c => c.Value.Claims, StringComparer.Ordinal);
        EvidencePackRollback.Check(files, keys, tenant, heads, pack.Held, problems, reading);
        reading(EvidencePack.Records);
        var outcomes = new AuditOutcomeTally();
        var explained = new HashSet<string>(StringComparer.Ordinal);
        var records = CheckRecords(files, proven, heads, (pack.Selection, outcomes, explained), problems);
        EvidencePackLayout.CheckExplanations(files.Keys, explained, problems);
        reading(EvidencePack.BundleDigest);
        EvidencePackBundle.Check(files, tenant, proven.Values, problems);
        reading(EvidencePack.Receipts);
        CheckReceipts(files, keys, (tenant, leaves), problems);
        reading(EvidencePack.Retired);
        var retired = EvidencePackRetired.Check(files, heads, proven.Keys, problems);
        return new Result(records, [.. checkpoints.Values.Select(static c => c.Claims)], manifestSha, problems)
        {
            Retired = retired,
            OutcomeUnknown = outcomes.Unknown,
            OutcomeUnknownRequestIds = outcomes.UnknownRequestIds,
            Bundle = EvidencePackBundle.Attested(files, tenant, proven.Values),
        };
    }

    private static void CheckHashes(IReadOnlyDictionary<string, byte[]> files, JsonElement listed, List<string> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in listed.EnumerateObject())
        {
            names.Add(file.Name);
            if (!files.TryGetValue(file.Name, out var bytes))
            {
                problems.Add($"file_missing: {file.Name} is in the manifest but not in the pack");
            }
            else if (EvidencePack.Sha256(bytes) != file.Value.GetString())
            {
                problems.Add($"file_altered: {file.Name} does not have the SHA-256 the manifest lists");
            }
        }

        foreach (var name in files.Keys.Where(n => n is not EvidencePack.Manifest and not EvidencePack.Signature && !names.Contains(n)))
        {
            problems.Add($"file_unlisted: {name} is in the pack but not in the manifest");
        }
    }

    private static void CheckSignature(IReadOnlyDictionary<string, byte[]> files, EvidenceKeySet keys, string manifestSha, string? tenant, List<string> problems)
    {
        if (!files.TryGetValue(EvidencePack.Signature, out var signature))
        {
            problems.Add("file_missing: manifest.sig (the manifest's signature)");
        }
        else if (!EvidenceManifestSignature.TryVerify(Encoding.ASCII.GetString(signature).Trim(), keys, out var claims, out var error))
        {
            problems.Add($"manifest_signature_{error}: manifest.sig does not verify with the JWKS");
        }
        else if (claims!.ManifestSha256 != manifestSha)
        {
            problems.Add($"manifest_altered: manifest.json has SHA-256 {manifestSha}, the signature is over {claims.ManifestSha256}");
        }
        else if (claims.Tenant != tenant)
        {
            problems.Add($"tenant_mismatch: the manifest names tenant {tenant}, its signature {claims.Tenant}");
        }
    }

    private static int CheckRecords(
        IReadOnlyDictionary<string, byte[]> files, Dictionary<(string Replica, long Seq), JsonElement> proven, Dictionary<string, AuditCheckpoint> heads,
        (JsonElement Selection, AuditOutcomeTally Outcomes, HashSet<string> Explained) pack, List<string> problems)
    {
        if (!files.TryGetValue(EvidencePack.Records, out var bytes))
        {
            problems.Add("file_missing: records.jsonl");
            return 0;
        }

        var count = 0;
        var seen = new Dictionary<(string Replica, long Seq), int>();
        var hashed = pack.Explained;
        foreach (var (text, number) in Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static (l, i) => (l, i + 1)))
        {
            count++;
            using var document = JsonDocument.Parse(text);
            var record = document.RootElement;
            var replica = record.TryGetProperty("replica", out var r) ? r.GetString() ?? string.Empty : string.Empty;
            var seq = record.TryGetProperty("seq", out var s) ? s.GetInt64() : -1;
            if (!seen.TryAdd((replica, seq), number))
            {
                problems.Add($"record_duplicated: records.jsonl line {number} repeats line {seen[(replica, seq)]} (replica {replica} seq {seq})");
                continue;
            }

            if (EvidencePackSelection.Outside(pack.Selection, record) is { } why)
            {
                problems.Add($"record_outside_selection: records.jsonl line {number} (replica {replica} seq {seq}) {why}");
            }

            if (!proven.TryGetValue((replica, seq), out var line))
            {
                var beyond = heads.TryGetValue(replica, out var head) && seq > head.TreeSize ? $", and is beyond the pack's checkpoint of that chain ({head.TreeSize} records)" : string.Empty;
                problems.Add($"record_unproven: records.jsonl line {number} (replica {replica} seq {seq}) has no verified inclusion proof{beyond}");
                continue;
            }

            foreach (var difference in EvidenceRecordBinding.Differences(record, line))
            {
                problems.Add($"record_altered: records.jsonl line {number} (replica {replica} seq {seq}): {difference}");
            }

            if (EvidenceRecordBinding.AddedExplanation(record, line) is { } explanation)
            {
                CheckExplanation(files, (record, explanation, EvidenceRecordBinding.Digest(line)!), $"records.jsonl line {number} (replica {replica} seq {seq})", hashed, problems);
            }
        }

        if (seen.Count < proven.Count)
        {
            problems.Add($"record_missing: the pack proves {proven.Count} records, records.jsonl holds {seen.Count}");
        }

        // Counted from the proven lines, never from what records.jsonl says of them, and in chain order (replica, seq): an
        // outcome follows its decision in the chain whatever the order of records.jsonl.
        foreach (var line in proven.OrderBy(static p => p.Key.Replica, StringComparer.Ordinal).ThenBy(static p => p.Key.Seq).Select(static p => p.Value))
        {
            pack.Outcomes.Observe(line);
        }

        return count;
    }

    // Two proven lines of one chain, one right after the other: the later one's prev_hash must be the earlier one's hash
    // (a record edited and sealed again breaks the link after it).
    private static void CheckLinks(Dictionary<(string Replica, long Seq), JsonElement> proven, List<string> problems)
    {
        foreach (var ((replica, seq), line) in proven.OrderBy(static p => p.Key.Replica, StringComparer.Ordinal).ThenBy(static p => p.Key.Seq))
        {
            if (proven.TryGetValue((replica, seq - 1), out var previous)
                && !(line.TryGetProperty("prev_hash", out var link) && previous.TryGetProperty("hash", out var hash) && link.ValueKind == JsonValueKind.String && link.ValueEquals(hash.GetString())))
            {
                problems.Add($"record_altered: replica {replica} seq {seq}: the proven line's prev_hash is not the hash of the proven record {seq - 1} (a record edited and sealed again)");
            }
        }
    }

    // The explanation the pack put beside a line's explanation_digest: it hashes to that digest, and so does the pack's
    // explanations/<digest>.json it was resolved from.
    private static void CheckExplanation(
        IReadOnlyDictionary<string, byte[]> files, (JsonElement Record, JsonElement Explanation, string Digest) added, string where, HashSet<string> hashed, List<string> problems)
    {
        if (!EvidenceRecordBinding.HashesTo(added.Record, added.Explanation, added.Digest))
        {
            problems.Add($"explanation_altered: {where}: its explanation does not hash to the proven record's explanation_digest");
        }

        var name = EvidencePack.ExplanationsFolder + added.Digest + ".json";
        if (!files.TryGetValue(name, out var stored))
        {
            problems.Add($"file_missing: {name} (the explanation {where} refers to)");
            return;
        }

        using var file = JsonDocument.Parse(stored);
        if (hashed.Add(name) && !EvidenceExplanation.HashesTo(file.RootElement, added.Digest))
        {
            problems.Add($"explanation_altered: {name} does not hash to its name, the explanation_digest of the proven record");
        }

        if (!EvidenceExplanation.Matches(added.Record, added.Explanation, file.RootElement))
        {
            problems.Add($"explanation_altered: {where} and {name} differ (beyond the record's own intent_digest)");
        }
    }

    // Each receipt verifies and names a leaf the pack proves, at that proof's place: its replica and leaf_index (and the pack's tenant).
    private static void CheckReceipts(
        IReadOnlyDictionary<string, byte[]> files, EvidenceKeySet keys, (string? Tenant, Dictionary<string, (string Replica, long Index)> Leaves) proven, List<string> problems)
    {
        if (!files.TryGetValue(EvidencePack.Receipts, out var bytes))
        {
            return;
        }

        foreach (var (receipt, number) in Encoding.ASCII.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(static (l, i) => (l, i + 1)))
        {
            if (!DecisionReceipt.TryVerify(receipt, keys, out var claims, out var error))
            {
                problems.Add($"receipt_{error}: receipts.jsonl line {number} does not verify with the JWKS");
            }
            else if (!proven.Leaves.TryGetValue(claims!.LeafHash, out var place))
            {
                problems.Add($"receipt_unbound: receipts.jsonl line {number} names leaf {claims.LeafHash}, which no proof of the pack proves");
            }
            else if (claims.LeafIndex != place.Index || claims.Replica != place.Replica || claims.Tenant != proven.Tenant)
            {
                problems.Add($"receipt_unbound: receipts.jsonl line {number} places leaf {claims.LeafHash} at tenant {claims.Tenant} replica {claims.Replica} leaf_index {claims.LeafIndex}; the pack proves it at tenant {proven.Tenant} replica {place.Replica} leaf_index {place.Index}");
            }
        }
    }
}
