using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Gateway.Policy.Canonical;

/// <summary>
/// Writes canonical JSON: object members sorted by the UTF-8 bytes of their (unescaped) names, no
/// whitespace, numbers exactly as written in the source, strings with only <c>"</c>, <c>\</c> and control
/// characters escaped (<c>\b \f \n \r \t</c> short forms, otherwise <c>\u00xx</c>), non-ASCII as UTF-8.
/// The caller writes separators; <see cref="WriteElement"/> writes a whole value.
/// </summary>
public readonly struct CanonicalJsonWriter
{
    private static readonly byte[] HexDigits = "0123456789abcdef"u8.ToArray();
    private readonly IBufferWriter<byte> _output;

    public CanonicalJsonWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes raw bytes (punctuation, literals).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => _output.Write(bytes);

    /// <summary>Writes <c>"name":</c>.</summary>
    public void WritePropertyName(string name)
    {
        WriteString(name);
        WriteRaw(":"u8);
    }

    public void WriteBoolean(bool value) => WriteRaw(value ? "true"u8 : "false"u8);

    public void WriteNull() => WriteRaw("null"u8);

    /// <summary>Writes a quoted, canonically escaped string.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteNull();
            return;
        }

        WriteRaw("\""u8);
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }

            WriteUtf8(value.AsSpan(start, i - start));
            WriteEscape(c);
            start = i + 1;
        }

        WriteUtf8(value.AsSpan(start));
        WriteRaw("\""u8);
    }

    /// <summary>Writes any JSON value canonically.</summary>
    public void WriteElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Undefined:
            case JsonValueKind.Null:
                WriteNull();
                break;
            case JsonValueKind.True:
                WriteBoolean(true);
                break;
            case JsonValueKind.False:
                WriteBoolean(false);
                break;
            case JsonValueKind.Number:
                WriteRaw(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.String:
                WriteStringElement(element);
                break;
            case JsonValueKind.Array:
                WriteArray(element);
                break;
            case JsonValueKind.Object:
                WriteObject(element);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(element), element.ValueKind, "Unknown JSON value kind.");
        }
    }

    private void WriteStringElement(JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.Length >= 2 && raw[0] == (byte)'"')
        {
            raw = raw[1..^1];
        }

        if (raw.IndexOf((byte)'\\') < 0)
        {
            // Valid JSON cannot hold unescaped quotes or control characters, so an escape-free string is canonical.
            WriteRaw("\""u8);
            WriteRaw(raw);
            WriteRaw("\""u8);
        }
        else
        {
            WriteString(element.GetString());
        }
    }

    private void WriteArray(JsonElement element)
    {
        WriteRaw("["u8);
        var first = true;
        foreach (var item in element.EnumerateArray())
        {
            if (!first)
            {
                WriteRaw(","u8);
            }

            first = false;
            WriteElement(item);
        }

        WriteRaw("]"u8);
    }

    private void WriteObject(JsonElement element)
    {
        var count = 0;
        foreach (var unused in element.EnumerateObject())
        {
            count++;
        }

        var rented = ArrayPool<JsonProperty>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var index = 0;
            foreach (var property in element.EnumerateObject())
            {
                rented[index++] = property;
            }

            var span = rented.AsSpan(0, count);
            span.Sort(static (a, b) => CompareNames(a, b));
            WriteRaw("{"u8);
            for (var i = 0; i < span.Length; i++)
            {
                if (i > 0)
                {
                    WriteRaw(","u8);
                }

                var name = JsonMarshal.GetRawUtf8PropertyName(span[i]);
                if (name.IndexOf((byte)'\\') < 0)
                {
                    WriteRaw("\""u8);
                    WriteRaw(name);
                    WriteRaw("\":"u8);
                }
                else
                {
                    WritePropertyName(span[i].Name);
                }

                WriteElement(span[i].Value);
            }

            WriteRaw("}"u8);
        }
        finally
        {
            rented.AsSpan(0, count).Clear();
            ArrayPool<JsonProperty>.Shared.Return(rented);
        }
    }

    private static int CompareNames(JsonProperty a, JsonProperty b)
    {
        var rawA = JsonMarshal.GetRawUtf8PropertyName(a);
        var rawB = JsonMarshal.GetRawUtf8PropertyName(b);
        if (rawA.IndexOf((byte)'\\') < 0 && rawB.IndexOf((byte)'\\') < 0)
        {
            return rawA.SequenceCompareTo(rawB);
        }

        return Encoding.UTF8.GetBytes(a.Name).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b.Name));
    }

    private void WriteUtf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        var written = Encoding.UTF8.GetBytes(chars, span);
        _output.Advance(written);
    }

    private void WriteEscape(char c)
    {
        switch (c)
        {
            case '"':
                WriteRaw("\\\""u8);
                break;
            case '\\':
                WriteRaw("\\\\"u8);
                break;
            case '\b':
                WriteRaw("\\b"u8);
                break;
            case '\f':
                WriteRaw("\\f"u8);
                break;
            case '\n':
                WriteRaw("\\n"u8);
                break;
            case '\r':
                WriteRaw("\\r"u8);
                break;
            case '\t':
                WriteRaw("\\t"u8);
                break;
            default:
                Span<byte> escape = [(byte)'\\', (byte)'u', (byte)'0', (byte)'0', HexDigits[c >> 4], HexDigits[c & 0xF]];
                WriteRaw(escape);
                break;
        }
    }
}
