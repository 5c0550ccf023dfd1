using System.Globalization;
using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Evidence;

/// <summary>
/// What a pack says of the records retention removed before it was exported (<c>retired.json</c>,
/// <c>{"chains":[{"replica","retired_through_seq"}]}</c>, present when any chain of the pack has a retired prefix):
/// records 1..N of that chain are no longer stored (<c>audit retire-partition</c>, or retention by age), so the pack can
/// neither hold nor prove any of them, whichever the selection would have named; their lines are in the retention
/// export. <c>evidence export</c> learns N from the chain's oldest stored record (seq N + 1); <c>evidence verify</c>
/// checks the statement against what the pack proves: the chain has a checkpoint in the pack of more than N records, and
/// no record the pack proves is among 1..N (<c>retired_inconsistent</c>). Nothing the gateway signed attests N: a checkpoint
/// signs the tree's size and root, not where the chain's stored records start, and the manifest signature is the gateway's
/// for any digest an auditor token sends it. So a pack whose oldest records were left out and claimed retired verifies, and
/// verify prints the statement as the pack's, unattested, with the <c>audit list</c> that checks it (<see cref="Chain.Stated"/>).
/// </summary>
internal static class EvidencePackRetired
{
    /// <summary>Records 1..<see cref="ThroughSeq"/> of the chain of <see cref="Replica"/> were retired before the export.</summary>
    public sealed record Chain(string Replica, long ThroughSeq)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"records 1..{ThroughSeq} of replica {Replica}");

        /// <summary>The statement as the pack makes it, unattested by the gateway, and how to check it against the gateway's journal.</summary>
        public string Stated(string? tenant) => string.Create(CultureInfo.InvariantCulture,
            $"the pack states {this} were retired before the export; the gateway's checkpoint does not attest it: check with `gatewayctl audit list --tenant {tenant ?? "T"} --replica {Replica} --limit 1` that the chain's first stored record is seq {ThroughSeq + 1}");
    }

    public static byte[] Write(IReadOnlyList<Chain> chains) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new Dictionary<string, object>
            {
                ["chains"] = chains.Select(static c => new SortedDictionary<string, object>(StringComparer.Ordinal) { ["replica"] = c.Replica, ["retired_through_seq"] = c.ThroughSeq }).ToList(),
            },
            CliRuntime.Indented);

    /// <summary>The pack's retired chains that hold against its checkpoints and proofs; a problem named for each that does not.</summary>
    public static IReadOnlyList<Chain> Check(
        IReadOnlyDictionary<string, byte[]> files, IReadOnlyDictionary<string, AuditCheckpoint> heads, IEnumerable<(string Replica, long Seq)> proven, List<string> problems)
    {
        if (!files.TryGetValue(EvidencePack.Retired, out var bytes))
        {
            return [];
        }

        var chains = new List<Chain>();
        using var document = JsonDocument.Parse(bytes);
        foreach (var entry in document.RootElement.GetProperty("chains").EnumerateArray())
        {
            var chain = new Chain(entry.GetProperty("replica").GetString()!, entry.GetProperty("retired_through_seq").GetInt64());
            var provenAmongThem = proven.Where(p => p.Replica == chain.Replica && p.Seq <= chain.ThroughSeq).Select(static p => p.Seq).DefaultIfEmpty().Min();
            if (!heads.TryGetValue(chain.Replica, out var head) || chain.ThroughSeq < 1 || chain.ThroughSeq >= head.TreeSize)
            {
                problems.Add($"retired_inconsistent: {EvidencePack.Retired} says {chain} were retired; the pack's checkpoint of that chain holds {head?.TreeSize.ToString(CultureInfo.InvariantCulture) ?? "none"}");
            }
            else if (provenAmongThem > 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"retired_inconsistent: {EvidencePack.Retired} says {chain} were retired, yet the pack proves record {provenAmongThem} of it"));
            }
            else
            {
                chains.Add(chain);
            }
        }

        return chains;
    }
}
