using System.Buffers;
using System.Text;
using Gateway.Policy.AuditChain;

namespace Gateway.Audit;

/// <summary>
/// Where a partition's file of the embedded journal is damaged (<see cref="AuditFileRecovery"/>): its first whole line
/// that is not the record its place puts there, by byte offset. A line that is no record at all (a newline lost or
/// gained, bytes gone bad) is corrupt: the records after it may be acknowledged, so the file is left as it is and the
/// start is refused (<see cref="Corrupt"/>). Records that are whole but out of place (one removed or inserted by hand) are
/// an edited chain, which <c>audit verify</c> names: the gateway starts. Either way nothing is appended to the file (its
/// next record would repeat a seq the chain holds) nor retired from it; reads go on.
/// </summary>
internal sealed class AuditFileDamage
{
    private AuditFileDamage(string path, long offset, long line, (string Text, bool NoRecord) problem)
    {
        Offset = offset;
        Corrupt = problem.NoRecord;
        Message = Corrupt
            ? $"The audit journal file {path} is damaged at byte offset {offset} (line {line}: {problem.Text}). The records " +
              "after it may be acknowledged, so the gateway neither cuts them off nor appends after them, and does not start; " +
              "the file is left as it is. Copy it aside and follow \"A damaged journal\" in docs/operations.md."
            : $"The audit journal file {path} holds a record out of place at byte offset {offset} (line {line}: {problem.Text}): " +
              "a record was removed or inserted. Nothing is appended to this chain (its next record would repeat a seq it " +
              "holds); reads and audit verify go on. Copy the file aside and follow \"A damaged journal\" in docs/operations.md.";
    }

    /// <summary>Whether a line is no record at all (corrupt), rather than a record out of place (an edited chain).</summary>
    public bool Corrupt { get; }

    /// <summary>The byte offset of the first line out of place.</summary>
    public long Offset { get; }

    /// <summary>What is damaged, where, and what to do.</summary>
    public string Message { get; }

    /// <summary>The error that refuses an append or a retirement (and, when <see cref="Corrupt"/>, the start).</summary>
    public InvalidDataException Exception() => new(Message);

    /// <summary>
    /// What is wrong with <paramref name="line"/> as record (or anchor line) <paramref name="seq"/> of its chain, which
    /// every line's place in the file gives: null when it is that, with its hash.
    /// </summary>
    public static (string Text, bool NoRecord)? LineProblem(string line, long seq)
    {
        if (!AuditChainLink.TryParse(line, out var document, out var lineSeq, out _, out _, out _, out var malformed))
        {
            return (malformed.Detail, true);
        }

        document.Dispose();
        return lineSeq == seq ? null : ($"seq {lineSeq} where record {seq} belongs", false);
    }

    /// <summary>
    /// The file's first whole line that is no record, reading from the start, else its first record out of place: at the
    /// latest the last line, at <paramref name="lastLineStart"/>, whose problem is <paramref name="lastProblem"/>.
    /// </summary>
    public static AuditFileDamage Locate(FileStream stream, string path, AuditTip anchor, long lastLineStart, (string Text, bool NoRecord) lastProblem)
    {
        var buffer = new byte[64 * 1024];
        var line = new ArrayBufferWriter<byte>(1024);
        AuditFileDamage? outOfPlace = null;
        long position = 0, start = 0, index = 0;
        stream.Seek(0, SeekOrigin.Begin);
        while (position < lastLineStart)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, lastLineStart - position));
            if (read == 0)
            {
                break;
            }

            var span = buffer.AsSpan(0, read);
            while (span.IndexOf((byte)'\n') is var newline and >= 0)
            {
                line.Write(span[..newline]);
                var seq = anchor.Length > 0 ? anchor.Length + index : index + 1;
                if (LineProblem(Encoding.UTF8.GetString(line.WrittenSpan), seq) is { } problem)
                {
                    var damage = new AuditFileDamage(path, start, index + 1, problem);
                    if (damage.Corrupt)
                    {
                        return damage;
                    }

                    // Out of place (so is every record after it): read on for a line that is no record.
                    outOfPlace ??= damage;
                }

                line.ResetWrittenCount();
                index++;
                start = position + (read - span.Length) + newline + 1;
                span = span[(newline + 1)..];
            }

            line.Write(span);
            position += read;
        }

        return lastProblem.NoRecord || outOfPlace is null ? new AuditFileDamage(path, lastLineStart, index + 1, lastProblem) : outOfPlace;
    }
}
