using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Gateway.Store.Resp;

/// <summary>
/// The arguments of a command, framed as RESP2 bulk strings as they are added so that nothing
/// the caller passed is kept alive. Build a <see cref="RespCommand"/> from it.
/// </summary>
internal sealed class RespArguments
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public RespArguments(int initialCapacity = 128)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
    }

    public int Count { get; private set; }

    public ReadOnlySpan<byte> Framed => _buffer.WrittenSpan;

    public RespArguments Add(ReadOnlySpan<byte> value)
    {
        RespFraming.WriteHeader(_buffer, (byte)'$', value.Length);
        _buffer.Write(value);
        _buffer.Write(RespFraming.CrLf);
        Count++;
        return this;
    }

    public RespArguments Add(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = Encoding.UTF8.GetByteCount(value);
        RespFraming.WriteHeader(_buffer, (byte)'$', length);
        var written = Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(written);
        _buffer.Write(RespFraming.CrLf);
        Count++;
        return this;
    }

    public RespArguments Add(long value)
    {
        Span<byte> digits = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, digits, out var written);
        return Add(digits[..written]);
    }
}
