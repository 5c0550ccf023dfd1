using System.Text;
using Gateway.Policy.AuditChain;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// Opens a partition's file of the embedded journal and recovers its chain: a torn last line (a crash
/// mid-write, never acknowledged) is cut off and logged; the anchor line it may start with
/// (<see cref="AuditAnchorLine"/>) and the last record's hash and time give the chain's anchor, length and tip.
/// A file whose last whole line is not the record its line count puts there (a newline lost or gained in the middle,
/// a last line that is no record, a record removed or inserted) is damaged, not torn: nothing is cut, and its
/// <see cref="AuditJournalFile.Damage"/>, logged with the file and the byte offset of the first line out of place, refuses
/// every append and retirement, and the start when a line is no record (<see cref="AuditFileDamage"/>).
/// </summary>
internal static class AuditFileRecovery
{
    /// <summary>Opens <paramref name="file"/> (creating it when missing) and sets its writer and chain.</summary>
    public static void Recover(AuditPartition partition, AuditJournalFile file, ILogger logger)
    {
        var stream = Gateway.Store.PrivateFiles.Open(file.Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        try
        {
            var length = stream.Length;
            var (complete, lines, lastLineStart, firstLineEnd) = Scan(stream, length);
            var anchor = AuditTip.Genesis;
            var tip = AuditTip.Genesis;
            file.Damage = null;
            if (lines > 0)
            {
                if (AuditAnchorLine.TryRead(ReadLine(stream, 0, firstLineEnd), partition.Tenant, partition.Replica, out var anchorSeq, out var anchorHash))
                {
                    anchor = new AuditTip(anchorSeq, anchorHash);
                }

                var chainLength = anchor.Length > 0 ? anchor.Length + lines - 1 : lines;
                var last = ReadLine(stream, lastLineStart, complete - 1);
                if (AuditFileDamage.LineProblem(last, chainLength) is { } problem)
                {
                    // Damage, not a torn write: nothing is cut, and the file's chain is not extended.
                    file.Damage = AuditFileDamage.Locate(stream, file.Path, anchor, lastLineStart, problem);
                    AuditLog.AuditFileDamaged(logger, partition.ToString(), file.Damage.Message);
                }
                else
                {
                    tip = AuditStoredLine.TipAt(chainLength, last);
                }
            }

            if (file.Damage is null && complete != length)
            {
                AuditLog.AuditTornTail(logger, partition.ToString(), length - complete);
                stream.SetLength(complete);
                stream.Flush(flushToDisk: true);
            }

            stream.Seek(0, SeekOrigin.End);
            file.Anchor = anchor;
            file.Length = anchor.Length > 0 ? anchor.Length + lines - 1 : lines;
            file.LastHash = tip.LastHash;
            file.LastTime = tip.LastTime;
            file.Writer = stream;
            AuditLog.AuditRecovered(logger, partition.ToString(), file.Length - anchor.Length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    // The line from `start` to `end` (its newline, not included), as text.
    private static string ReadLine(FileStream stream, long start, long end)
    {
        var bytes = new byte[end - start];
        stream.Seek(start, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    // Returns the length up to and including the last newline, the number of complete lines, where the last one starts and where the first ends.
    private static (long Complete, long Lines, long LastLineStart, long FirstLineEnd) Scan(FileStream stream, long length)
    {
        var buffer = new byte[64 * 1024];
        long position = 0, lines = 0, lastNewline = -1, previousNewline = -1, firstNewline = -1;
        stream.Seek(0, SeekOrigin.Begin);
        while (position < length)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, length - position));
            if (read == 0)
            {
                break;
            }

            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    lines++;
                    if (firstNewline < 0)
                    {
                        firstNewline = position + i;
                    }

                    previousNewline = lastNewline;
                    lastNewline = position + i;
                }
            }

            position += read;
        }

        return (lastNewline + 1, lines, previousNewline + 1, firstNewline);
    }
}
