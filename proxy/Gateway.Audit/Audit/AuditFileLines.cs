namespace Gateway.Audit;

/// <summary>
/// Reads a JSON-lines file from its start in chunks, handing each whole line (without its newline) and its offset to a
/// visitor: memory held is one chunk, or the longest line, never the whole file.
/// </summary>
internal static class AuditFileLines
{
    /// <summary>The bytes read at a time (the buffer grows only to hold a longer line).</summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>Visits every line that ends in a newline, in order; returns where the last one ends (the rest is a torn tail).</summary>
    public static long ForEach(Stream stream, Action<ReadOnlyMemory<byte>, long> visit)
    {
        stream.Seek(0, SeekOrigin.Begin);
        var buffer = new byte[ChunkBytes];
        var filled = 0;
        long bufferAt = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                return bufferAt;
            }

            var scanFrom = filled;
            filled += read;
            var start = 0;
            int newline;
            while ((newline = buffer.AsSpan(scanFrom, filled - scanFrom).IndexOf((byte)'\n')) >= 0)
            {
                var end = scanFrom + newline;
                visit(buffer.AsMemory(start, end - start), bufferAt + start);
                start = scanFrom = end + 1;
            }

            buffer.AsSpan(start, filled - start).CopyTo(buffer);
            filled -= start;
            bufferAt += start;
        }
    }
}
