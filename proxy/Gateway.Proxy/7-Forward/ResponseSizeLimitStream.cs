using Gateway.Connectors.Streaming;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Passes an upstream's response body to the client and stops it at the connector's
/// <c>max_response_bytes</c>: the write that would cross the limit throws
/// (nothing of it is written; <see cref="Exceeded"/> says why) and the forwarder ends
/// the response as failed, so a client never takes a cut body for a whole one. A model's answer is first read on to its end
/// through its usage tap alone (<see cref="ModelUsageDrain"/>), so the call is settled at the usage the provider reports.
/// </summary>
internal sealed class ResponseSizeLimitStream : Stream
{
    private readonly Stream _inner;
    private readonly long _limit;
    private readonly HttpContent? _upstream;
    private readonly TimeSpan _drainTimeout;
    private IBodyTransform? _usageTap;
    private long _written;

    public ResponseSizeLimitStream(Stream inner, long limit)
    {
        _inner = inner;
        _limit = limit;
    }

    /// <summary>
    /// For a model's answer: past the limit, what is left of <paramref name="upstream"/> is read through
    /// <paramref name="usageTap"/> (the tap the body passed through before it) within <paramref name="drainTimeout"/>.
    /// </summary>
    public ResponseSizeLimitStream(Stream inner, long limit, HttpContent upstream, IBodyTransform usageTap, TimeSpan drainTimeout)
        : this(inner, limit)
    {
        _upstream = upstream;
        _usageTap = usageTap;
        _drainTimeout = drainTimeout;
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
        if (_usageTap is not null && _written + buffer.Length > _limit)
        {
            return DrainAndRefuseAsync(buffer);
        }

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

    // The write that crosses the limit, for a model's answer: it and the rest of the answer go through the usage tap alone
    // (not the agent's token: an agent that goes away does not cut the read short), then the write fails as any crossing does.
    private async ValueTask DrainAndRefuseAsync(ReadOnlyMemory<byte> crossing)
    {
        var tap = _usageTap!;
        _usageTap = null;
        Exceeded = true;
        await ModelUsageDrain.DrainAsync(_upstream!, tap, crossing, _drainTimeout).ConfigureAwait(false);
        Count(crossing.Length);
    }

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
