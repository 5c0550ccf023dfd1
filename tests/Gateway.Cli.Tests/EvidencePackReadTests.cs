using System.IO.Compression;
using Gateway.Cli.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>A pack from someone else is read within bounds: a zip that unpacks past them is refused before it is held in memory.</summary>
public sealed class EvidencePackReadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pack-read-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Read_EntriesWithinTheBounds_GivesEveryEntryByName()
    {
        var pack = Zip(("records.jsonl", 1000), ("proofs/1.json", 1000));

        var files = EvidencePack.Read(pack, maxBytes: 2000, maxEntries: 2);

        Assert.Equal(1000, files["records.jsonl"].Length);
        Assert.Equal(1000, files["proofs/1.json"].Length);
    }

    [Fact]
    public void Read_CompressedEntryUnpackingPastTheBound_IsRefused()
    {
        // A megabyte of zeros compresses to about a kilobyte: the bound is on what it unpacks to.
        var pack = Zip(("records.jsonl", 1 << 20));

        var refused = Assert.Throws<InvalidDataException>(() => EvidencePack.Read(pack, maxBytes: 64 * 1024, maxEntries: 10));

        Assert.Contains("more than 65536 bytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EntryWhoseHeadersUnderstateItsSize_ReadsNoMoreThanTheHeadersSay()
    {
        var pack = Zip(("records.jsonl", 1 << 20));
        Understate(pack, 100);

        var files = EvidencePack.Read(pack, maxBytes: 64 * 1024, maxEntries: 10);

        Assert.Equal(100, files["records.jsonl"].Length);
    }

    [Fact]
    public void Read_EntriesTogetherPastTheBound_IsRefused()
    {
        var pack = Zip(("a", 600), ("b", 600));

        Assert.Throws<InvalidDataException>(() => EvidencePack.Read(pack, maxBytes: 1000, maxEntries: 10));
    }

    [Fact]
    public void Read_MoreEntriesThanTheBound_IsRefused()
    {
        var pack = Zip(("a", 1), ("b", 1), ("c", 1));

        var refused = Assert.Throws<InvalidDataException>(() => EvidencePack.Read(pack, maxBytes: 1000, maxEntries: 2));

        Assert.Contains("3 entries", refused.Message, StringComparison.Ordinal);
    }

    private string Zip(params (string Name, int Bytes)[] entries)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".zip");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
            stream.Write(new byte[bytes]);
        }

        return path;
    }

    // Rewrites the uncompressed size of each entry in its local header (offset 22) and the central directory (offset 24).
    private static void Understate(string path, uint size)
    {
        var bytes = File.ReadAllBytes(path);
        for (var i = 0; i + 28 <= bytes.Length; i++)
        {
            var signature = BitConverter.ToUInt32(bytes, i);
            var at = signature switch { 0x04034b50 => i + 22, 0x02014b50 => i + 24, _ => -1 };
            if (at >= 0)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(at, 4), size);
            }
        }

        File.WriteAllBytes(path, bytes);
    }
}
