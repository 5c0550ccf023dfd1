using System.Text;
using System.Text.Json;
using Gateway.Policy.Bundles;

namespace Gateway.Cli.Evidence;

/// <summary>
/// The policy a pack carries beside its records (<c>export --with-bundle</c>): the tenant's own file only
/// (<c>bundle/&lt;tenant&gt;.yaml</c> or <c>.yml</c>, never another tenant's file or a secret beside it), whose policy
/// digest must be one the proven records were decided under, and <c>bundle-digest.json</c> naming exactly those digests.
/// The manifest signature says only who exported them; this ties them to what the gateway signed over the log. The digest
/// is of the parsed policy (<see cref="PolicyDigest"/>), so a file's comments and formatting are attested by nothing.
/// </summary>
internal static class EvidencePackBundle
{
    private static readonly string[] Extensions = [".yaml", ".yml"];

    /// <summary>
    /// The tenant's own policy file at the top of <paramref name="directory"/> (a bundle: one file per tenant, which its
    /// <c>tenant:</c> names, whatever the file is called), or null.
    /// </summary>
    public static string? TenantFile(string directory, string tenant) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.TopDirectoryOnly)
            .Where(static f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault(f => Load(Path.GetFileName(f), File.ReadAllBytes(f))?.Slug == tenant);

    /// <summary>The pack's name for the tenant's policy file.</summary>
    public static string EntryName(string tenant) => EvidencePack.BundleFolder + tenant + ".yaml";

    /// <summary>
    /// Why the bundle files of <paramref name="files"/> are not the policy records of <paramref name="digests"/> were
    /// decided under (<c>bundle_mismatch: …</c>); null when they are, or when the pack carries none.
    /// </summary>
    public static string? Mismatch(IReadOnlyDictionary<string, byte[]> files, string? tenant, IReadOnlySet<string> digests)
    {
        foreach (var (name, bytes) in files.Where(static f => f.Key.StartsWith(EvidencePack.BundleFolder, StringComparison.Ordinal)))
        {
            var fileName = name[EvidencePack.BundleFolder.Length..];
            var named = tenant is not null && Extensions.Any(e => fileName == tenant + e);
            var loaded = named ? Load(fileName, bytes) : null;
            if (!named || (loaded is not null && loaded.Slug != tenant))
            {
                return $"bundle_mismatch: {name} is not the tenant's own policy file ({EvidencePack.BundleFolder}{tenant}.yaml)";
            }

            var digest = loaded?.Digest;
            if (digest is null || !digests.Contains(digest))
            {
                return $"bundle_mismatch: {name} is not the policy any record of the pack was decided under"
                    + (digest is null ? " (it does not load)" : $" (its digest {digest[..Math.Min(12, digest.Length)]} is none of theirs)");
            }
        }

        return null;
    }

    // A tenant file's policy, loaded from its text alone: whatever files it names (secrets, templates) are not read; null when it does not load.
    private static Gateway.Policy.TenantPolicy? Load(string fileName, byte[] bytes) =>
        PolicyBundleLoader.LoadTenantText(fileName, Encoding.UTF8.GetString(bytes), Path.GetTempPath(), static _ => true).Tenant;

    /// <summary>Adds to <paramref name="problems"/> what ties the pack's bundle files to <paramref name="proven"/> (the proven lines) no longer.</summary>
    public static void Check(IReadOnlyDictionary<string, byte[]> files, string? tenant, IEnumerable<JsonElement> proven, List<string> problems)
    {
        var digests = DigestsOf(proven);
        if (Mismatch(files, tenant, digests) is { } mismatch)
        {
            problems.Add(mismatch);
        }

        if (files.TryGetValue(EvidencePack.BundleDigest, out var named))
        {
            using var document = JsonDocument.Parse(named);
            var listed = document.RootElement.TryGetProperty("policy_digests", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(static d => d.GetString() ?? string.Empty).ToHashSet(StringComparer.Ordinal)
                : null;
            if (listed is null || !listed.SetEquals(digests))
            {
                problems.Add($"bundle_mismatch: {EvidencePack.BundleDigest} does not name exactly the policy digests the proven records were decided under");
            }
        }
    }

    /// <summary>
    /// The pack's policy files whose policy is one <paramref name="proven"/> were decided under, each with that digest: what
    /// the records attest of it is its policy, not its text (comments, quoting, key order).
    /// </summary>
    public static IReadOnlyList<AttestedFile> Attested(IReadOnlyDictionary<string, byte[]> files, string? tenant, IEnumerable<JsonElement> proven)
    {
        var digests = DigestsOf(proven);
        var attested = new List<AttestedFile>();
        foreach (var (name, bytes) in files.Where(static f => f.Key.StartsWith(EvidencePack.BundleFolder, StringComparison.Ordinal)).OrderBy(static f => f.Key, StringComparer.Ordinal))
        {
            var fileName = name[EvidencePack.BundleFolder.Length..];
            if (tenant is not null && Extensions.Any(e => fileName == tenant + e) && Load(fileName, bytes) is { } loaded
                && loaded.Slug == tenant && loaded.Digest is { } digest && digests.Contains(digest))
            {
                attested.Add(new AttestedFile(name, digest));
            }
        }

        return attested;
    }

    /// <summary>The policy digests <paramref name="records"/> were decided under.</summary>
    public static SortedSet<string> DigestsOf(IEnumerable<JsonElement> records) =>
        new(records.Select(static r => r.TryGetProperty("policy_digest", out var d) ? d.GetString() : null).OfType<string>(), StringComparer.Ordinal);

    /// <summary>A policy file of the pack whose policy (parsed) has <paramref name="PolicyDigest"/>, a digest its proven records were decided under; its text is not attested.</summary>
    public sealed record AttestedFile(string File, string PolicyDigest);
}
