using System.Buffers;

namespace Gateway.Connectors.Streaming;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> of bytes over arrays rented from <see cref="ArrayPool{T}.Shared"/>, for the
/// buffers a response's transforms hold while its body passes (issue #52: two fresh 4 KB arrays and more per proxied model
/// answer). <see cref="Return"/> gives the array back, cleared (a body's bytes never reach another request through the
/// pool); the writer is then empty and rents again if written to. A writer never returned is left to the collector.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    private readonly int _initialCapacity;
    private byte[] _buffer = [];
    private int _written;

    public PooledBufferWriter(int initialCapacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        _initialCapacity = initialCapacity;
    }

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>Forgets what was written, keeping the array for what is written next.</summary>
    public void ResetWrittenCount() => _written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _buffer.Length - _written)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Gives the array back to the pool, cleared; the writer is empty.</summary>
    public void Return()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    private void Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(checked(_written + needed), Math.Max(_initialCapacity, _buffer.Length * 2)));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        var written = _written;
        Return();
        _buffer = larger;
        _written = written;
    }
}
