using System.Text;
using Gateway.Policy.AuditChain;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// Opens a partition's file of the embedded journal and recovers its chain: a torn last line (a crash
/// mid-write, never acknowledged) is cut off and logged; the anchor line it may start with
/// (<see cref="AuditAnchorLine"/>) and the last record's hash give the chain's anchor, length and tip.
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
            if (complete != length)
            {
                AuditLog.AuditTornTail(logger, partition.ToString(), length - complete);
                stream.SetLength(complete);
                stream.Flush(flushToDisk: true);
            }

            var lastHash = AuditCanonicalJson.GenesisHash;
            var anchor = AuditTip.Genesis;
            if (lines > 0)
            {
                var first = new byte[firstLineEnd];
                stream.Seek(0, SeekOrigin.Begin);
                stream.ReadExactly(first);
                if (AuditAnchorLine.TryRead(Encoding.UTF8.GetString(first), partition.Tenant, partition.Replica, out var anchorSeq, out var anchorHash))
                {
                    anchor = new AuditTip(anchorSeq, anchorHash);
                }

                var buffer = new byte[complete - 1 - lastLineStart];
                stream.Seek(lastLineStart, SeekOrigin.Begin);
                stream.ReadExactly(buffer);
                lastHash = StoreAuditStore.ReadHash(Encoding.UTF8.GetString(buffer));
            }

            stream.Seek(0, SeekOrigin.End);
            file.Anchor = anchor;
            file.Length = anchor.Length > 0 ? anchor.Length + lines - 1 : lines;
            file.LastHash = lastHash;
            file.Writer = stream;
            AuditLog.AuditRecovered(logger, partition.ToString(), file.Length - anchor.Length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
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
