using System.Buffers;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// A text read once as <see cref="EncodedCredential"/> reads it, so that every form of a credential is searched in the one
/// reading (a vectorised search each, not a decoding each): its characters, and where the spelling of each starts. Its
/// arrays are pooled, returned when it is disposed (the characters cleared first).
/// </summary>
internal sealed class TextReading : IDisposable
{
    private readonly int _end;
    private char[] _chars;
    private int[] _starts;

    /// <summary>An empty reading of at most <paramref name="capacity"/> characters of a text <paramref name="end"/> long.</summary>
    public TextReading(int capacity, int end)
    {
        _chars = ArrayPool<char>.Shared.Rent(Math.Max(1, capacity));
        _starts = ArrayPool<int>.Shared.Rent(Math.Max(1, capacity));
        _end = end;
    }

    /// <summary>How many characters have been read.</summary>
    public int Count { get; private set; }

    /// <summary>The characters read.</summary>
    public ReadOnlySpan<char> Chars => _chars.AsSpan(0, Count);

    /// <summary>Adds a character read, whose spelling starts at <paramref name="start"/> in the text.</summary>
    public void Add(char c, int start)
    {
        _chars[Count] = c;
        _starts[Count++] = start;
    }

    /// <summary>Where the spelling of the character at <paramref name="index"/> starts; past the last, the text's end.</summary>
    public int StartOf(int index) => index < Count ? _starts[index] : _end;

    /// <summary>The first character whose spelling starts at or after <paramref name="position"/> of the text.</summary>
    public int IndexAt(int position)
    {
        int low = 0, high = Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            (low, high) = _starts[middle] < position ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // The reading may hold a credential decoded from its echo: nothing of it is left in the pool.
        _chars.AsSpan(0, Count).Clear();
        ArrayPool<char>.Shared.Return(_chars);
        ArrayPool<int>.Shared.Return(_starts);
        (_chars, _starts, Count) = ([], [], 0);
    }
}
