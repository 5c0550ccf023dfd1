using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Cli.Evidence;
using Gateway.Policy.Canonical;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>
/// An evidence pack of one chain made in memory the way <c>evidence export</c> lays it out: each record sealed into the
/// hash chain as the journal seals it (<see cref="Append"/>), then, over the lines as they stand (a test may edit one
/// after, <see cref="Edit"/>), a checkpoint and an inclusion proof of every line signed with a real receipt key, the
/// records in the order a test gives, the manifest and its signature: what a gateway that signs over whatever its
/// journal holds would hand out.
/// </summary>
internal sealed class SealedPack
{
    public const string Tenant = "acme";

    public const string Replica = "gateway-0";

    private static readonly DateTimeOffset Created = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The key that signs the checkpoint, the proofs' checkpoints and the manifest.</summary>
    public ReceiptKeyRing Keys { get; } = ReceiptKeyRing.Generate(Created);

    /// <summary>The manifest's selection (default: a time range holding every record, as <c>export --from/--to</c> writes it).</summary>
    public Dictionary<string, string> Selection { get; init; } = new(StringComparer.Ordinal)
    {
        ["from"] = Created.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["to"] = Created.AddDays(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The chain's stored lines, record seq <c>i + 1</c> at <c>i</c>.</summary>
    public List<string> Lines { get; } = [];

    /// <summary>Appends a record of <paramref name="members"/> (seq, tenant, replica, prev_hash and hash are set here), sealed.</summary>
    public string Append(JsonObject members)
    {
        var record = (JsonObject)members.DeepClone();
        record["seq"] = Lines.Count + 1;
        record["tenant"] = Tenant;
        record["replica"] = Replica;
        record["time"] = Created.AddSeconds(Lines.Count).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        record["prev_hash"] = Lines.Count == 0 ? new string('0', 64) : JsonNode.Parse(Lines[^1])!["hash"]!.GetValue<string>();
        using (var document = JsonDocument.Parse(record.ToJsonString()))
        {
            record["hash"] = CanonicalJson.Sha256Hex(document.RootElement, static (writer, r) => writer.WriteObjectWithout(r, "hash"u8));
        }

        Lines.Add(record.ToJsonString());
        return Lines[^1];
    }

    /// <summary>Rewrites the stored line of record <paramref name="seq"/> and leaves its hash as it was (not sealed again).</summary>
    public void Edit(long seq, Action<JsonObject> edit)
    {
        var record = JsonNode.Parse(Lines[(int)seq - 1])!.AsObject();
        edit(record);
        Lines[(int)seq - 1] = record.ToJsonString();
    }

    /// <summary>
    /// The pack's files, records.jsonl holding the records of <paramref name="order"/> (seqs; default: chain order), with
    /// <paramref name="edit"/> applied before the manifest is made and signed (as by someone who can have any manifest signed).
    /// </summary>
    public Dictionary<string, byte[]> Files(IReadOnlyList<long>? order = null, Action<Dictionary<string, byte[]>>? edit = null)
    {
        var leaves = Lines.Select(static l => MerkleTree.LeafHash(Encoding.UTF8.GetBytes(l))).ToList();
        var checkpoint = new AuditCheckpoint
        {
            Tenant = Tenant,
            Replica = Replica,
            TreeSize = Lines.Count,
            RootHash = Convert.ToHexStringLower(MerkleTree.Root(leaves, Lines.Count)),
            Time = Created,
        };
        var head = new JsonObject
        {
            ["checkpoint"] = checkpoint.Sign(Keys.Active),
            ["tenant"] = Tenant,
            ["replica"] = Replica,
            ["tree_size"] = Lines.Count,
            ["root_hash"] = checkpoint.RootHash,
            ["time"] = "2026-12-01T09:00:00Z",
        };
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [EvidencePack.CheckpointsFolder + Replica + ".json"] = Encoding.UTF8.GetBytes(head.ToJsonString()),
            [EvidencePack.Records] = Encoding.UTF8.GetBytes(string.Concat((order ?? [.. Enumerable.Range(1, Lines.Count).Select(static s => (long)s)]).Select(s => Lines[(int)s - 1] + "\n"))),
        };
        for (var i = 0; i < Lines.Count; i++)
        {
            var proof = new JsonObject
            {
                ["kind"] = "inclusion",
                ["leaf_index"] = i,
                ["leaf_hash"] = Convert.ToHexStringLower(leaves[i]),
                ["path"] = new JsonArray([.. MerkleTree.InclusionPath(leaves, i, Lines.Count).Select(static h => (JsonNode)Convert.ToHexStringLower(h))]),
                ["record"] = Lines[i],
                ["checkpoint"] = head.DeepClone(),
            };
            files[$"{EvidencePack.ProofsFolder}{Replica}-{i + 1}.json"] = Encoding.UTF8.GetBytes(proof.ToJsonString());
        }

        edit?.Invoke(files);
        var manifest = EvidencePack.ManifestOf(Tenant, Selection, Created, files);
        files[EvidencePack.Manifest] = manifest;
        files[EvidencePack.Signature] = Encoding.ASCII.GetBytes(
            new EvidenceManifestSignature { Tenant = Tenant, ManifestSha256 = EvidencePack.Sha256(manifest), Time = Created }.Sign(Keys.Active));
        return files;
    }

    /// <summary>Checks the pack of <see cref="Files"/> with the key's JWKS, as <c>evidence verify</c> does.</summary>
    public EvidencePackVerifier.Result Verify(IReadOnlyList<long>? order = null) => EvidencePackVerifier.Verify(Files(order), EvidenceKeySet.Of(Keys));
}
