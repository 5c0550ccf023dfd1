using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Cli.Evidence;

/// <summary>
/// An evidence pack's layout (docs/evidence.md, "Evidence packs") and how it is written: every file is listed in
/// <see cref="Manifest"/> with its SHA-256, and <see cref="Signature"/> holds the gateway's JWS over the manifest's digest.
/// </summary>
internal static class EvidencePack
{
    public const string Manifest = "manifest.json";
    public const string Signature = "manifest.sig";
    public const string Records = "records.jsonl";
    public const string Jwks = "jwks.json";
    public const string BundleDigest = "bundle-digest.json";
    public const string Receipts = "receipts.jsonl";
    public const string Retired = "retired.json";
    public const string CheckpointsFolder = "checkpoints/";
    public const string ProofsFolder = "proofs/";
    public const string ConsistencyFolder = "consistency/";
    public const string ExplanationsFolder = "explanations/";
    public const string BundleFolder = "bundle/";

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The manifest of <paramref name="files"/>: <c>{"v":1,"tenant","selection","created","files":{name: sha256}}</c>, names sorted.</summary>
    public static byte[] ManifestOf(string tenant, IReadOnlyDictionary<string, string> selection, DateTimeOffset created, IReadOnlyDictionary<string, byte[]> files)
    {
        var manifest = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["v"] = 1,
            ["tenant"] = tenant,
            ["selection"] = new SortedDictionary<string, string>(selection.ToDictionary(), StringComparer.Ordinal),
            ["created"] = created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["files"] = new SortedDictionary<string, string>(files.ToDictionary(static f => f.Key, static f => Sha256(f.Value)), StringComparer.Ordinal),
        };
        return JsonSerializer.SerializeToUtf8Bytes(manifest, CliRuntime.Indented);
    }

    /// <summary>Writes the zip (files in name order, then the manifest and its signature) atomically to <paramref name="path"/>, 0600.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, byte[]> files, byte[] manifest, string signature)
    {
        var partial = path + ExportFiles.PartialSuffix;
        var stream = ExportFiles.CreatePartial(path);
        var moved = false;
        try
        {
            using (stream)
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                foreach (var (name, bytes) in files.OrderBy(static f => f.Key, StringComparer.Ordinal).Append(new(Manifest, manifest)).Append(new(Signature, Encoding.ASCII.GetBytes(signature))))
                {
                    var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                    using var writer = entry.Open();
                    writer.Write(bytes);
                }
            }

            File.Move(partial, path, overwrite: true);
            moved = true;
        }
        finally
        {
            // A pack not written whole leaves no .partial (created new above: ours) to refuse the next export.
            if (!moved)
            {
                File.Delete(partial);
            }
        }
    }

    /// <summary>The most bytes a pack unpacks to, every entry together: a pack is read into memory to be verified.</summary>
    public const long MaxUnpackedBytes = 2L << 30;

    /// <summary>The most entries a pack holds (one proof file per record, and the rest).</summary>
    public const int MaxEntries = 2_000_000;

    /// <summary>
    /// Every entry of the zip at <paramref name="path"/> by name; a name twice, more than <paramref name="maxEntries"/>
    /// entries, or more than <paramref name="maxBytes"/> unpacked is refused.
    /// </summary>
    public static Dictionary<string, byte[]> Read(string path, long maxBytes = MaxUnpackedBytes, int maxEntries = MaxEntries)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var zip = ZipFile.OpenRead(path);
        if (zip.Entries.Count > maxEntries)
        {
            throw new InvalidDataException($"the pack holds {zip.Entries.Count} entries, more than the {maxEntries} a pack may");
        }

        var left = maxBytes;
        foreach (var entry in zip.Entries)
        {
            if (entry.FullName.EndsWith('/'))
            {
                continue;
            }

            // The runtime reads an entry no further than the size its headers give (EvidencePackReadTests), so that size is the bound.
            if (entry.Length > left)
            {
                throw new InvalidDataException($"the pack unpacks to more than {maxBytes} bytes, more than a pack may");
            }

            using var source = entry.Open();
            using var buffer = new MemoryStream();
            source.CopyTo(buffer);
            var bytes = buffer.ToArray();
            left -= bytes.Length;
            if (!files.TryAdd(entry.FullName, bytes))
            {
                throw new InvalidDataException($"the pack holds {entry.FullName} twice");
            }
        }

        return files;
    }
}
