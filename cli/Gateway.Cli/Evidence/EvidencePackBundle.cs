using System.Text;
using System.Text.Json;
using Gateway.Policy.Bundles;

namespace Gateway.Cli.Evidence;

/// <summary>
/// The policy a pack carries beside its records (<c>export --with-bundle</c>): the tenant's own file only
/// (<c>bundle/&lt;tenant&gt;.yaml</c> or <c>.yml</c>, never another tenant's file or a secret beside it), whose policy
/// digest must be one the proven records were decided under, and <c>bundle-digest.json</c> naming exactly those digests.
/// The manifest signature says only who exported them; this ties them to what the gateway signed over the log.
/// </summary>
internal static class EvidencePackBundle
{
    private static readonly string[] Extensions = [".yaml", ".yml"];

    /// <summary>The tenant's own policy file at the top of <paramref name="directory"/> (a bundle: one file per tenant), or null.</summary>
    public static string? TenantFile(string directory, string tenant) =>
        Extensions.Select(e => Path.Combine(directory, tenant + e)).FirstOrDefault(File.Exists);

    /// <summary>The pack's name for the tenant's file <paramref name="path"/>.</summary>
    public static string EntryName(string path) => EvidencePack.BundleFolder + Path.GetFileName(path);

    /// <summary>
    /// Why the bundle files of <paramref name="files"/> are not the policy records of <paramref name="digests"/> were
    /// decided under (<c>bundle_mismatch: …</c>); null when they are, or when the pack carries none.
    /// </summary>
    public static string? Mismatch(IReadOnlyDictionary<string, byte[]> files, string? tenant, IReadOnlySet<string> digests)
    {
        foreach (var (name, bytes) in files.Where(static f => f.Key.StartsWith(EvidencePack.BundleFolder, StringComparison.Ordinal)))
        {
            var fileName = name[EvidencePack.BundleFolder.Length..];
            if (tenant is null || !Extensions.Any(e => fileName == tenant + e))
            {
                return $"bundle_mismatch: {name} is not the tenant's own policy file ({EvidencePack.BundleFolder}{tenant}.yaml)";
            }

            // Whatever files it names (secrets, templates) are not in the pack: only its text is digested.
            var loaded = PolicyBundleLoader.LoadTenantText(fileName, Encoding.UTF8.GetString(bytes), Path.GetTempPath(), static _ => true);
            var digest = loaded.Tenant?.Digest;
            if (digest is null || !digests.Contains(digest))
            {
                return $"bundle_mismatch: {name} is not the policy any record of the pack was decided under"
                    + (digest is null ? " (it does not load)" : $" (its digest {digest[..Math.Min(12, digest.Length)]} is none of theirs)");
            }
        }

        return null;
    }

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

    /// <summary>The policy digests <paramref name="records"/> were decided under.</summary>
    public static SortedSet<string> DigestsOf(IEnumerable<JsonElement> records) =>
        new(records.Select(static r => r.TryGetProperty("policy_digest", out var d) ? d.GetString() : null).OfType<string>(), StringComparer.Ordinal);
}
