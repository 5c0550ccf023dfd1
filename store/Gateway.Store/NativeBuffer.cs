using System.Runtime.InteropServices;

namespace Gateway.Store;

/// <summary>
/// A zeroed array of plain structs in memory of its own, outside the GC's heap: the GC neither traces, moves nor counts
/// it, so a large table held for minutes costs no collection its size. Freed when disposed, else when collected; once
/// freed it has no items (an index throws, nothing reads freed memory). Not thread-safe.
/// </summary>
/// <typeparam name="T">A struct with no references.</typeparam>
internal sealed unsafe class NativeBuffer<T> : IDisposable
    where T : unmanaged
{
    private T* _items;

    /// <summary>Allocates <paramref name="length"/> zeroed items.</summary>
    public NativeBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _items = (T*)NativeMemory.AllocZeroed((nuint)Math.Max(length, 1), (nuint)sizeof(T));
        Length = length;
    }

    /// <summary>~NativeBuffer: frees what was never disposed.</summary>
    ~NativeBuffer() => Free();

    /// <summary>How many items it holds (0 once freed).</summary>
    public int Length { get; private set; }

    /// <summary>The items, in place.</summary>
    public Span<T> Span => new(_items, Length);

    /// <summary>The item at <paramref name="index"/>, in place.</summary>
    public ref T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Length)
            {
                ThrowIndex(index);
            }

            return ref _items[index];
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        var items = _items;
        _items = null;
        Length = 0;
        if (items is not null)
        {
            NativeMemory.Free(items);
        }
    }

    private static void ThrowIndex(int index) => throw new ArgumentOutOfRangeException(nameof(index), index, "Outside the buffer (or the buffer was freed).");
}
