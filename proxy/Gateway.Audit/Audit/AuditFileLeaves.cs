using System.Text;
using Gateway.Policy.Evidence;
using Gateway.Store;

namespace Gateway.Audit;

/// <summary>
/// The embedded journal's kept Merkle leaf hashes of retired records (<see cref="IAuditRetirement"/>): beside each
/// partition's file, <c>{tenant}@{replica}.audit.leaves</c> holds SHA-256(0x00 ‖ line) of records 1..anchor, 32 bytes
/// each, in seq order. Before a retirement rewrites the journal, the leaves of the records it retires are appended (the
/// file rewritten beside itself, fsynced, renamed over it), so a crash between the two leaves more leaves than the
/// anchor, never fewer; only the anchor's first ones count. A journal retired before leaves were kept has a gap at its
/// start: nothing is kept for it (its tree stays incomplete).
/// </summary>
internal static class AuditFileLeaves
{
    public const string Suffix = ".audit.leaves";

    private const int LeafSize = 32;

    /// <summary>The leaves file beside the journal file <paramref name="journalPath"/>.</summary>
    public static string PathOf(string journalPath) => journalPath[..^FileAuditStore.FileSuffix.Length] + Suffix;

    /// <summary>Appends the leaves of records anchor+1..<paramref name="throughSeq"/> of <paramref name="file"/> (open, under its gate) to its leaves file.</summary>
    public static void Keep(AuditJournalFile file, long throughSeq)
    {
        var path = PathOf(file.Path);
        var anchor = file.Anchor.Length;
        var kept = File.Exists(path) ? File.ReadAllBytes(path) : [];
        if (kept.LongLength < anchor * LeafSize)
        {
            return;
        }

        var partial = path + ".partial";
        using (var output = Gateway.Store.PrivateFiles.Open(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            output.Write(kept, 0, (int)(anchor * LeafSize));
            using var reader = new StreamReader(file.OpenReader(), Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            if (anchor > 0)
            {
                _ = reader.ReadLine();
            }

            for (var seq = anchor + 1; seq <= throughSeq; seq++)
            {
                var line = reader.ReadLine() ?? throw new InvalidDataException($"The audit journal file {file.Path} holds fewer lines than its chain.");
                output.Write(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)));
            }

            output.Flush(flushToDisk: true);
        }

        DurableRename.Replace(partial, path);
    }

    /// <summary>The kept leaves of the partition whose journal file is <paramref name="journalPath"/> (none when there is no leaves file).</summary>
    public static IReadOnlyList<byte[]> Read(string journalPath)
    {
        var path = PathOf(journalPath);
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        return [.. bytes.Chunk(LeafSize).Where(static c => c.Length == LeafSize)];
    }

    /// <summary>Leaves <paramref name="from"/>..<paramref name="from"/> + <paramref name="count"/> - 1 of the leaves file (fewer where it ends): only their bytes are read.</summary>
    public static IReadOnlyList<byte[]> Read(string journalPath, long from, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var path = PathOf(journalPath);
        if (count == 0 || !File.Exists(path))
        {
            return [];
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var kept = file.Length / LeafSize;
        if (from >= kept)
        {
            return [];
        }

        var bytes = new byte[(int)Math.Min(count, kept - from) * LeafSize];
        file.Position = from * LeafSize;
        file.ReadExactly(bytes);
        return [.. bytes.Chunk(LeafSize)];
    }
}
