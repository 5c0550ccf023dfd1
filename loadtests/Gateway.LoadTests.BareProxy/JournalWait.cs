namespace Gateway.LoadTests.BareProxy;

/// <summary>
/// A floor, not a gateway (issue #71): bare YARP that makes one durable journal write before it forwards each request,
/// as the gateway on its embedded store waits on one journal write (its admission and decision record) before it
/// forwards. The write is a record of <paramref name="recordBytes"/> written into zeros already on disk (as the gateway's
/// journal writes ahead of its records) and then flushed to the disk (<c>fsync</c>), one per request, on the request's
/// thread. What this proxy adds over bare YARP at a fixed rate is what one durable write per request costs on this
/// machine's disk: no design that keeps one before the action can add less.
/// </summary>
/// <param name="path">The journal file; created (or emptied) at start and filled with zeros.</param>
/// <param name="recordBytes">Bytes written per request.</param>
internal sealed class JournalWait(string path, int recordBytes) : IMiddleware, IDisposable
{
    // Writes wrap around in this much of the file, so that no write changes the file's size or allocates a block.
    private const int Capacity = 64 << 20;

    private readonly FileStream _file = Preallocated(path);
    private readonly byte[] _record = Record(recordBytes);
    private long _next;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var offset = (Interlocked.Add(ref _next, _record.Length) - _record.Length) % (Capacity - _record.Length);
        RandomAccess.Write(_file.SafeFileHandle, _record, offset);
        _file.Flush(flushToDisk: true);
        await next(context).ConfigureAwait(false);
    }

    public void Dispose() => _file.Dispose();

    private static FileStream Preallocated(string path)
    {
        // No buffer: writes go to the handle at their offsets, and Flush(true) is the handle's fsync alone.
        var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        var zeros = new byte[1 << 20];
        for (long offset = 0; offset < Capacity; offset += zeros.Length)
        {
            RandomAccess.Write(file.SafeFileHandle, zeros, offset);
        }

        file.Flush(flushToDisk: true);
        return file;
    }

    // Non-zero bytes, so that the file system writes them as data (the length checked at start: Program.cs).
    private static byte[] Record(int length)
    {
        var record = new byte[length];
        Random.Shared.NextBytes(record);
        return record;
    }
}
