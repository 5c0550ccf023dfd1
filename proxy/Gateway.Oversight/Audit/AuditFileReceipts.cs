using System.Text;
using Gateway.Store;

namespace Gateway.Oversight.Audit;

/// <summary>
/// The embedded journal's stored receipt batches (<see cref="AuditReceiptBatch"/>): beside each partition's file,
/// <c>{tenant}@{replica}.audit.receipts</c> holds one JSON line per batch, appended and fsynced under the partition's
/// gate before the lines of the group it was signed with; when the lines then cannot be written, the batches are cut off
/// again. A crash between the two leaves a batch for lines that were never appended: the group written after recovery
/// signs those seqs again, and the reader skips the stale batch (<see cref="AuditReceiptReader"/>). A torn last line is
/// cut off before the next append and skipped when read.
/// Retention rewrites the file without the batches whose records were all retired.
/// </summary>
internal static class AuditFileReceipts
{
    public const string Suffix = ".audit.receipts";

    /// <summary>The receipts file beside the journal file <paramref name="journalPath"/>.</summary>
    public static string PathOf(string journalPath) => journalPath[..^FileAuditStore.FileSuffix.Length] + Suffix;

    /// <summary>Appends <paramref name="batches"/> to the receipts file of <paramref name="journalPath"/> with one fsync; the file's length before them.</summary>
    public static async ValueTask<long> AppendAsync(string journalPath, IReadOnlyList<AuditReceiptBatch> batches, AuditFileSpaceProbe space)
    {
        var bytes = batches.SelectMany(static b => b.ToJson().Append((byte)'\n')).ToArray();
        var stream = new FileStream(PathOf(journalPath), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        await using (stream.ConfigureAwait(false))
        {
            CutTornTail(stream);
            var before = stream.Length;
            await AuditFileAppend.WriteDurablyAsync(stream, bytes, space, stream.Dispose);
            return before;
        }
    }

    /// <summary>Cuts the receipts file of <paramref name="journalPath"/> back to <paramref name="length"/> (the group's lines could not be written).</summary>
    public static void CutBack(string journalPath, long length)
    {
        using var stream = new FileStream(PathOf(journalPath), FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete);
        stream.SetLength(length);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The batches of the receipts file of <paramref name="journalPath"/> with a member in <paramref name="fromSeq"/> .. <paramref name="toSeq"/>, in file order.</summary>
    public static IReadOnlyList<AuditReceiptBatch> Read(string journalPath, long fromSeq, long toSeq) =>
        [.. ReadAll(journalPath).Where(b => b.Members.Any(m => m.Seq >= fromSeq && m.Seq <= toSeq))];

    /// <summary>Rewrites the receipts file of <paramref name="journalPath"/> without the batches whose members are all at or before <paramref name="throughSeq"/>.</summary>
    public static void Retire(string journalPath, long throughSeq)
    {
        var path = PathOf(journalPath);
        if (!File.Exists(path))
        {
            return;
        }

        var partial = path + ".partial";
        using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var batch in ReadAll(journalPath).Where(b => b.LastSeq > throughSeq))
            {
                output.Write(batch.ToJson());
                output.WriteByte((byte)'\n');
            }

            output.Flush(flushToDisk: true);
        }

        DurableRename.Replace(partial, path);
    }

    private static List<AuditReceiptBatch> ReadAll(string journalPath)
    {
        var path = PathOf(journalPath);
        if (!File.Exists(path))
        {
            return [];
        }

        var bytes = File.ReadAllBytes(path);
        var complete = bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
        var batches = new List<AuditReceiptBatch>();
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            batches.Add(AuditReceiptBatch.Parse(Encoding.UTF8.GetBytes(line)));
        }

        return batches;
    }

    private static void CutTornTail(FileStream stream)
    {
        if (stream.Length == 0)
        {
            return;
        }

        // Only the last byte on the append path; the whole file only after a torn write.
        stream.Seek(-1, SeekOrigin.End);
        if (stream.ReadByte() == '\n')
        {
            return;
        }

        var bytes = new byte[stream.Length];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        var complete = bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
        if (complete != bytes.Length)
        {
            stream.SetLength(complete);
            stream.Flush(flushToDisk: true);
        }
    }
}
