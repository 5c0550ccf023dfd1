using System.Globalization;

namespace Gateway.Cli.Evidence;

/// <summary>
/// The names a pack may hold (docs/evidence.md, "Evidence packs"; what <c>evidence export</c> writes): the fixed files, one
/// checkpoint per chain, one proof per record, one consistency proof per chain, the explanations the pack's records refer
/// to and the tenant's own policy file. Anything else is <c>file_unexpected</c>, even listed in a manifest signed again (any
/// auditor token has the gateway sign a digest): a <c>Records.jsonl</c> beside <c>records.jsonl</c>, a <c>summary.md</c>,
/// an explanation no record names. So are two names equal ignoring case, and any name outside printable ASCII (so no two
/// names that are one after Unicode normalization).
/// </summary>
internal static class EvidencePackLayout
{
    private static readonly string[] Fixed =
        [EvidencePack.Manifest, EvidencePack.Signature, EvidencePack.Records, EvidencePack.Jwks, EvidencePack.BundleDigest, EvidencePack.Receipts, EvidencePack.Retired];

    /// <summary>The problem of a name the layout has no place for, or that is not where its content (<paramref name="why"/>) puts it.</summary>
    public static string Unexpected(string name, string why) => $"file_unexpected: {name} {why}";

    /// <summary>
    /// Adds a problem for each name of <paramref name="names"/> outside the layout (explanations are checked once the records
    /// are, <see cref="CheckExplanations"/>) and for each set of names equal ignoring case or after NFC normalization.
    /// </summary>
    public static void CheckNames(IEnumerable<string> names, string? tenant, List<string> problems)
    {
        var all = names.Order(StringComparer.Ordinal).ToList();
        foreach (var name in all)
        {
            // Every name of the layout is printable ASCII (replica ids, tenant slugs, hex digests): so no two names it
            // accepts are one after Unicode normalization (NFC), which gatewayctl's invariant globalization cannot apply.
            if (name.Any(static c => c is < '!' or > '~'))
            {
                problems.Add(Unexpected(name, "holds a character outside printable ASCII, which no name of an evidence pack does"));
            }
            else if (!Expected(name, tenant))
            {
                problems.Add(Unexpected(name, "is not a file of an evidence pack's layout"));
            }
        }

        foreach (var same in all.GroupBy(static n => n, StringComparer.OrdinalIgnoreCase).Where(static g => g.Count() > 1))
        {
            problems.Add(Unexpected(string.Join(" and ", same), "are one name ignoring case: one file where the pack is unpacked on a file system that ignores case"));
        }
    }

    /// <summary>Adds a problem for each explanation file of <paramref name="names"/> that no record of the pack was checked against (<paramref name="referred"/>).</summary>
    public static void CheckExplanations(IEnumerable<string> names, IReadOnlySet<string> referred, List<string> problems)
    {
        foreach (var name in names.Where(n => Named(n, EvidencePack.ExplanationsFolder) is not null && !referred.Contains(n)).Order(StringComparer.Ordinal))
        {
            problems.Add(Unexpected(name, "is the explanation of no record of the pack (an explanation is named by the explanation_digest of a proven record that carries it)"));
        }
    }

    /// <summary>The name of the proof of record <paramref name="seq"/> of <paramref name="replica"/>'s chain.</summary>
    public static string ProofName(string replica, long seq) => string.Create(CultureInfo.InvariantCulture, $"{EvidencePack.ProofsFolder}{replica}-{seq}.json");

    /// <summary>The name of <paramref name="replica"/>'s checkpoint.</summary>
    public static string CheckpointName(string replica) => EvidencePack.CheckpointsFolder + replica + ".json";

    private static bool Expected(string name, string? tenant) =>
        Fixed.Contains(name, StringComparer.Ordinal)
        || Named(name, EvidencePack.CheckpointsFolder) is not null
        || Named(name, EvidencePack.ConsistencyFolder) is not null
        || Named(name, EvidencePack.ExplanationsFolder) is not null
        || (Named(name, EvidencePack.ProofsFolder) is { } proof && proof.LastIndexOf('-') is > 0 and var dash
            && long.TryParse(proof.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0)
        || (tenant is not null && (name == EvidencePack.BundleFolder + tenant + ".yaml" || name == EvidencePack.BundleFolder + tenant + ".yml"));

    // The <x> of <folder><x>.json, one name deep and not empty; null for any other name.
    private static string? Named(string name, string folder) =>
        name.StartsWith(folder, StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal) && name.Length > folder.Length + ".json".Length
        && name.IndexOf('/', folder.Length) < 0
            ? name[folder.Length..^".json".Length]
            : null;
}
