using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Gateway.Store.Resp;

/// <summary>One parsed RESP2 reply. <c>default</c> is the null reply.</summary>
internal readonly struct RespValue
{
    private readonly byte[]? _bytes;
    private readonly RespValue[]? _items;

    private RespValue(RespKind kind, byte[]? bytes, long integer, RespValue[]? items)
    {
        Kind = kind;
        _bytes = bytes;
        Integer = integer;
        _items = items;
    }

    public static RespValue Null => default;

    public RespKind Kind { get; }

    /// <summary>The value of an integer reply (zero for other kinds).</summary>
    public long Integer { get; }

    public bool IsNull => Kind == RespKind.Null;

    /// <summary>The payload of a simple string, error or bulk string reply.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public IReadOnlyList<RespValue> Items => _items ?? [];

    public static RespValue SimpleString(byte[] bytes) => new(RespKind.SimpleString, bytes, 0, null);

    public static RespValue Error(byte[] bytes) => new(RespKind.Error, bytes, 0, null);

    public static RespValue FromInteger(long value) => new(RespKind.Integer, null, value, null);

    public static RespValue BulkString(byte[] bytes) => new(RespKind.BulkString, bytes, 0, null);

    public static RespValue FromArray(RespValue[] items) => new(RespKind.Array, null, 0, items);

    /// <summary>The reply as text (UTF-8), or null for the null reply.</summary>
    public string? AsString() => Kind switch
    {
        RespKind.Null => null,
        RespKind.Integer => Integer.ToString(CultureInfo.InvariantCulture),
        RespKind.Array => throw new RespProtocolException("Expected a string reply but received an array."),
        _ => Encoding.UTF8.GetString(_bytes!),
    };

    /// <summary>The reply as a 64-bit integer (an integer reply, or a string holding one).</summary>
    public long AsInt64()
    {
        if (Kind == RespKind.Integer)
        {
            return Integer;
        }

        if (Kind is RespKind.BulkString or RespKind.SimpleString
            && Utf8Parser.TryParse(_bytes, out long value, out var consumed)
            && consumed == _bytes!.Length)
        {
            return value;
        }

        throw new RespProtocolException($"Expected an integer reply but received {Kind}.");
    }

    public byte[]? ToArray() => _bytes is null ? null : (byte[])_bytes.Clone();

    public override string ToString() => Kind switch
    {
        RespKind.Null => "(nil)",
        RespKind.Array => $"array[{_items!.Length}]",
        RespKind.Integer => $"(integer) {Integer}",
        _ => $"{Kind} \"{Encoding.UTF8.GetString(_bytes!)}\"",
    };
}
