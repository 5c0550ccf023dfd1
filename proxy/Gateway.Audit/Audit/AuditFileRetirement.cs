using System.Text;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit;

/// <summary>
/// Retention in the embedded journal: rewrites a partition's file without its retired prefix, starting with the
/// anchor line (<see cref="AuditAnchorLine"/>) that the first kept record links to. The new file is written beside
/// the old one (<see cref="Suffix"/>) and fsynced, then renamed over it, so a crash leaves either the old file or
/// the new one, never a half.
/// </summary>
internal static class AuditFileRetirement
{
    /// <summary>A chain's file being rewritten (left behind only by a crash before its rename).</summary>
    public const string Suffix = ".retiring";

    /// <summary>Deletes the rewrites a crash left in <paramref name="directory"/> (their files are whole).</summary>
    public static void DeleteLeftovers(string directory)
    {
        foreach (var stale in Directory.EnumerateFiles(directory, "*" + FileAuditStore.FileSuffix + Suffix)
            .Concat(Directory.EnumerateFiles(directory, "*" + FileAuditStore.ExplanationsSuffix + Suffix)))
        {
            File.Delete(stale);
        }
    }

    /// <summary>
    /// Replaces <paramref name="file"/> (open, under its gate) with the anchor line of record <paramref name="throughSeq"/>
    /// followed by the records after it; returns how many records went. The caller reopens the file and fsyncs the
    /// directory. Refuses when the record at <paramref name="throughSeq"/>'s place does not carry that seq.
    /// </summary>
    public static long Rewrite(AuditPartition partition, AuditJournalFile file, long throughSeq)
    {
        var anchor = file.Anchor;
        var retired = throughSeq - anchor.Length;
        var journal = file.Writer!;
        var (keepFrom, lastRetired) = FindCut(journal, (anchor.Length > 0 ? 1 : 0) + retired);
        var newAnchor = new AuditTip(throughSeq, AuditStoredLine.AnchorHash(lastRetired, throughSeq, "file " + file.Path));
        var rewritten = file.Path + Suffix;
        try
        {
            WriteRetired(journal, keepFrom, AuditAnchorLine.Write(partition.Tenant, partition.Replica, newAnchor.Length, newAnchor.LastHash), rewritten);
            File.Move(rewritten, file.Path, overwrite: true);
        }
        catch
        {
            if (File.Exists(rewritten))
            {
                File.Delete(rewritten);
            }

            throw;
        }

        return retired;
    }

    // The byte offset after the first `lines` lines of the journal, and the last of those lines.
    private static (long KeepFrom, string LastLine) FindCut(FileStream journal, long lines)
    {
        var buffer = new byte[64 * 1024];
        long position = 0, seen = 0, lineStart = 0;
        journal.Seek(0, SeekOrigin.Begin);
        while (true)
        {
            var read = journal.Read(buffer, 0, buffer.Length);
            if (read == 0)
            {
                throw new InvalidDataException($"The audit journal file {journal.Name} holds fewer lines than its chain.");
            }

            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                if (++seen == lines)
                {
                    var end = position + i;
                    var last = new byte[end - lineStart];
                    journal.Seek(lineStart, SeekOrigin.Begin);
                    journal.ReadExactly(last);
                    return (end + 1, Encoding.UTF8.GetString(last));
                }

                lineStart = position + i + 1;
            }

            position += read;
        }
    }

    // Writes the anchor line and the kept records to `path` and fsyncs it.
    private static void WriteRetired(FileStream journal, long keepFrom, string anchorLine, string path)
    {
        using var output = Gateway.Store.PrivateFiles.Open(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.None);
        output.Write(Encoding.UTF8.GetBytes(anchorLine + "\n"));
        journal.Seek(keepFrom, SeekOrigin.Begin);
        journal.CopyTo(output);
        output.Flush(flushToDisk: true);
    }
}
