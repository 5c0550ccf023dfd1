using Gateway.Store;

namespace Gateway.Audit;

/// <summary>
/// The embedded journal's stored receipt batches (<see cref="AuditReceiptBatch"/>): beside each partition's file,
/// <c>{tenant}@{replica}.audit.receipts</c> holds one JSON line per batch, appended under the partition's gate just
/// before the lines of the group it was signed with and fsynced while they are (two fsyncs at once cost about one: the
/// load test measured a second fsync in a row doubling the embedded journal's write time); the group is acknowledged
/// once both are durable, and when either fails, the batches are cut off again. A crash before both are durable may
/// keep the batch without the lines: the group written after recovery signs those seqs again, and the reader skips the
/// stale batch (<see cref="AuditReceiptReader"/>); or the lines without the batch: no agent was answered, and those
/// records have no stored receipt. A torn last line is
/// cut off before the next append and skipped when read.
/// Retention rewrites the file without the batches whose records were all retired.
/// </summary>
internal static class AuditFileReceipts
{
    public const string Suffix = ".audit.receipts";

    /// <summary>The receipts file beside the journal file <paramref name="journalPath"/>.</summary>
    public static string PathOf(string journalPath) => journalPath[..^FileAuditStore.FileSuffix.Length] + Suffix;

    /// <summary>
    /// Writes <paramref name="batches"/> at the end of the receipts file of <paramref name="file"/>, not yet durable: the
    /// caller makes them durable while the group's lines are (<see cref="Written.SyncAsync"/>), or cuts them back. The
    /// file stays open with the partition's (<see cref="AuditJournalFile.ReceiptsWriter"/>); a torn tail is cut when it opens.
    /// </summary>
    public static async ValueTask<Written> WriteAsync(AuditJournalFile file, IReadOnlyList<AuditReceiptBatch> batches, AuditFileSpaceProbe space)
    {
        var bytes = batches.SelectMany(static b => b.ToJson().Append((byte)'\n')).ToArray();
        var stream = file.ReceiptsWriter;
        try
        {
            if (stream is null)
            {
                stream = Gateway.Store.PrivateFiles.Open(PathOf(file.Path), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
                file.ReceiptsWriter = stream;
                CutTornTail(stream);
            }

            var before = stream.Length;
            stream.Seek(0, SeekOrigin.End);
            await stream.WriteAsync(bytes, CancellationToken.None);
            return new Written(file, stream, before, bytes.Length, space);
        }
        catch (Exception ex)
        {
            if (ex is IOException)
            {
                space.GroupFailed(bytes.Length);
            }

            file.ReceiptsWriter?.Dispose();
            file.ReceiptsWriter = null;
            throw;
        }
    }

    /// <summary>A group's batches written to the receipts file and not yet durable.</summary>
    public sealed class Written(AuditJournalFile file, FileStream stream, long before, int size, AuditFileSpaceProbe space)
    {
        /// <summary>The fsync of the batches, on a thread of its own so that it runs while the lines' does.</summary>
        public Task SyncAsync() => Task.Run(() =>
        {
            try
            {
                stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                space.GroupFailed(size);
                throw;
            }
        });

        /// <summary>
        /// Cuts the batches off again (the group's lines, or the batches' own fsync, failed): the file is closed (a failed
        /// line write may have closed it already, with the partition's) and cut back through a handle of its own.
        /// </summary>
        public void CutBack()
        {
            stream.Dispose();
            if (ReferenceEquals(file.ReceiptsWriter, stream))
            {
                file.ReceiptsWriter = null;
            }

            using var cut = new FileStream(PathOf(file.Path), FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete);
            cut.SetLength(before);
            cut.Flush(flushToDisk: true);
        }
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
        using (var output = Gateway.Store.PrivateFiles.Open(partial, FileMode.Create, FileAccess.Write, FileShare.None))
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

        // Complete lines only (a torn last one is skipped), each parsed where it lies.
        var bytes = File.ReadAllBytes(path);
        var batches = new List<AuditReceiptBatch>();
        foreach (var line in bytes.AsSpan(0, bytes.AsSpan().LastIndexOf((byte)'\n') + 1).Split((byte)'\n'))
        {
            if (line.End.Value > line.Start.Value)
            {
                batches.Add(AuditReceiptBatch.Parse(bytes.AsSpan()[line]));
            }
        }

        return batches;
    }

    private static void CutTornTail(FileStream stream)
    {
        if (stream.Length == 0)
        {
            return;
        }

        // Run when the file opens: the last byte, and the whole file only after a torn write.
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
