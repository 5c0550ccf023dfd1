namespace Gateway.Proxy.Forward;

/// <summary>
/// Passes an upstream's response body to the client and stops it at the connector's
/// <c>max_response_bytes</c>: the write that would cross the limit throws
/// (nothing of it is written; <see cref="Exceeded"/> says why) and the forwarder ends
/// the response as failed, so a client never takes a cut body for a whole one.
/// </summary>
internal sealed class ResponseSizeLimitStream : Stream
{
    private readonly Stream _inner;
    private readonly long _limit;
    private long _written;

    public ResponseSizeLimitStream(Stream inner, long limit)
    {
        _inner = inner;
        _limit = limit;
    }

    /// <summary>The connector's <c>max_response_bytes</c>.</summary>
    public long Limit => _limit;

    /// <summary>True once a write was refused for crossing the limit.</summary>
    public bool Exceeded { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Count(count);
        _inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Count(buffer.Length);
        return _inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Count(int count)
    {
        if (_written + count > _limit)
        {
            Exceeded = true;
            throw new IOException($"The upstream's response exceeds the connector's limit of {_limit} bytes.");
        }

        _written += count;
    }
}
