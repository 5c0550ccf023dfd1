
namespace Gateway.Connectors.Streaming;

/// <summary>
/// A write-only stream that runs what is written to it through an <see cref="IBodyTransform"/> (a redactor,
/// a tools/list filter) and forwards the result to an inner stream
/// (for example <c>HttpResponse.Body</c>). Flushes pass through, so streaming responses keep streaming;
/// only the transform's bounded tail is held. Call <see cref="CompleteAsync"/> (or dispose) at the end of the
/// body to write the tail. The inner stream is not disposed.
/// </summary>
public sealed class BodyTransformStream : Stream
{
    private readonly Stream _inner;
    private readonly IBodyTransform _redactor;
    // What the transform wrote of each write, pooled: returned once the body is complete.
    private readonly PooledBufferWriter _output = new(4096);
    private readonly Action<object, long>? _held;
    private readonly object? _heldState;
    private bool _completed;
    private bool _passed;

    public BodyTransformStream(Stream inner, IBodyTransform redactor)
        : this(inner, redactor, held: null, heldState: null)
    {
    }

    /// <summary>Also calls <paramref name="held"/>(<paramref name="heldState"/>, length) before writing a body held whole to its end.</summary>
    public BodyTransformStream(Stream inner, IBodyTransform redactor, Action<object, long>? held, object? heldState)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _redactor = redactor ?? throw new ArgumentNullException(nameof(redactor));
        _held = held;
        _heldState = heldState;
    }

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => !_completed;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _redactor.Write(buffer, _output);
        _passed |= _output.WrittenCount > 0;
        _inner.Write(_output.WrittenSpan);
        _output.ResetWrittenCount();
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _redactor.Write(buffer.Span, _output);
        if (_output.WrittenCount > 0)
        {
            _passed = true;
            await _inner.WriteAsync(_output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        _output.ResetWrittenCount();
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        _passed = true;
        _inner.Flush();
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        _passed = true;
        return _inner.FlushAsync(cancellationToken);
    }

    /// <summary>Writes the held-back tail and flushes; further writes fail. Idempotent.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        try
        {
            _redactor.Complete(_output);
            if (!_passed && _held is not null)
            {
                _held(_heldState!, _output.WrittenCount);
            }

            await _inner.WriteAsync(_output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _output.Return();
        }

        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await CompleteAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_completed)
        {
            _completed = true;
            try
            {
                _redactor.Complete(_output);
                _inner.Write(_output.WrittenSpan);
            }
            finally
            {
                _output.Return();
            }

            _inner.Flush();
        }

        base.Dispose(disposing);
    }
}
