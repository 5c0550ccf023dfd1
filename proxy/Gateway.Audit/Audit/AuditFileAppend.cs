namespace Gateway.Audit;

/// <summary>The one durable append of the embedded journal's files (a chain's, a tenant's explanations).</summary>
internal static class AuditFileAppend
{
    /// <summary>
    /// Writes <paramref name="bytes"/> at the end of <paramref name="stream"/> with one fsync. When the write fails,
    /// what it wrote is cut off again, <paramref name="close"/> closes the file, an I/O failure is reported to
    /// <paramref name="space"/>, and the failure is thrown.
    /// </summary>
    public static async ValueTask WriteDurablyAsync(FileStream stream, byte[] bytes, AuditFileSpaceProbe space, Action close)
    {
        var before = stream.Length;
        try
        {
            stream.Seek(0, SeekOrigin.End);
            await stream.WriteAsync(bytes, CancellationToken.None);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception ex)
        {
            if (ex is IOException)
            {
                space.GroupFailed(bytes.Length);
            }

            try
            {
                stream.SetLength(before);
            }
            finally
            {
                close();
            }

            throw;
        }
    }
}
