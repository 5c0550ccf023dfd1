using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Gateway.Policy.Canonical;

/// <summary>
/// The gateway's one canonical JSON writer (intent digests, policy digests and the audit journal's
/// hash chain): object members sorted by the UTF-8 bytes of their (unescaped) names, duplicate names
/// refused, no whitespace, numbers exactly as written in the source, strings with only <c>"</c>,
/// <c>\</c> and control characters escaped (<c>\b \f \n \r \t</c> short forms, otherwise <c>\u00xx</c>),
/// everything else literal UTF-8; text that does not survive UTF-8 (a lone surrogate) is refused.
/// Escaped strings in a <see cref="JsonElement"/> are unescaped straight into the output, without
/// a string in between. The caller writes separators; <see cref="WriteElement"/> writes a whole value.
/// <see cref="Rfc8785"/> makes the writer that writes a parsed value as RFC 8785 (JCS) has it instead: members sorted
/// by the UTF-16 code units of their names, numbers in ECMAScript's shortest form.
/// </summary>
public readonly partial struct CanonicalJsonWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly byte[] HexDigits = "0123456789abcdef"u8.ToArray();
    private readonly IBufferWriter<byte> _output;
    private readonly bool _rfc8785;

    public CanonicalJsonWriter(IBufferWriter<byte> output)
        : this(output, rfc8785: false)
    {
    }

    private CanonicalJsonWriter(IBufferWriter<byte> output, bool rfc8785)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _rfc8785 = rfc8785;
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

    /// <summary>Writes an integer in its shortest decimal form.</summary>
    public void WriteNumber(long value)
    {
        var span = _output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var length);
        _output.Advance(length);
    }

    /// <summary>Writes a finite double in its round-trip form (<c>"R"</c>, invariant culture).</summary>
    /// <exception cref="ArgumentException">The number is NaN or infinite (JSON has no form for it).</exception>
    public void WriteNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException("JSON has no form for a non-finite number.", nameof(value));
        }

        var span = _output.GetSpan(32);
        value.TryFormat(span, out var length, "R", CultureInfo.InvariantCulture);
        _output.Advance(length);
    }

    /// <summary>Writes a quoted, canonically escaped string (null writes <c>null</c>).</summary>
    /// <exception cref="ArgumentException">The text holds a lone surrogate.</exception>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteNull();
            return;
        }

        WriteString(value.AsSpan());
    }

    /// <summary>Writes a quoted, canonically escaped string.</summary>
    /// <exception cref="ArgumentException">The text holds a lone surrogate.</exception>
    public void WriteString(ReadOnlySpan<char> value)
    {
        WriteRaw("\""u8);
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }

            WriteUtf8(value[start..i]);
            WriteEscape(c);
            start = i + 1;
        }

        WriteUtf8(value[start..]);
        WriteRaw("\""u8);
    }

    /// <summary>Writes any JSON value canonically.</summary>
    /// <exception cref="FormatException">An object repeats a member name, or a string escapes a lone surrogate (or, written as RFC 8785, a number is beyond a double's range).</exception>
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
            case JsonValueKind.Number when _rfc8785:
                WriteEcmaScriptNumber(element);
                break;
            case JsonValueKind.Number:
                WriteRaw(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.String:
                WriteJsonString(Unquoted(JsonMarshal.GetRawUtf8Value(element)));
                break;
            case JsonValueKind.Array:
                WriteArray(element);
                break;
            case JsonValueKind.Object:
                WriteObject(element, default);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(element), element.ValueKind, "Unknown JSON value kind.");
        }
    }

    /// <summary>Writes an object canonically, leaving out its member <paramref name="omittedMember"/> (UTF-8 name).</summary>
    /// <exception cref="FormatException">An object repeats a member name (<paramref name="omittedMember"/> included), or a string escapes a lone surrogate.</exception>
    public void WriteObjectWithout(JsonElement element, ReadOnlySpan<byte> omittedMember)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"Expected a JSON object, found {element.ValueKind}.", nameof(element));
        }

        WriteObject(element, omittedMember);
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

    private void WriteObject(JsonElement element, ReadOnlySpan<byte> omittedMember)
    {
        var count = element.GetPropertyCount();
        if (count <= SmallObject.Length)
        {
            // The rule (explanations, arguments): the members sit on the stack, nothing rented.
            var small = default(SmallObject);
            WriteMembers(element, omittedMember, small[..count]);
            return;
        }

        var rented = ArrayPool<JsonProperty>.Shared.Rent(count);
        try
        {
            WriteMembers(element, omittedMember, rented.AsSpan(0, count));
        }
        finally
        {
            rented.AsSpan(0, count).Clear();
            ArrayPool<JsonProperty>.Shared.Return(rented);
        }
    }

    private void WriteMembers(JsonElement element, ReadOnlySpan<byte> omittedMember, Span<JsonProperty> members)
    {
        var index = 0;
        var omitted = false;
        foreach (var property in element.EnumerateObject())
        {
            if (omittedMember.IsEmpty || !property.NameEquals(omittedMember))
            {
                members[index++] = property;
            }
            else if (omitted)
            {
                // The member left out is refused twice like any other: a reader that takes one of them (last one wins)
                // must never read a value the digest did not see beside one it did.
                throw Duplicate(property);
            }
            else
            {
                omitted = true;
            }
        }

        members = members[..index];
        SortRefusingDuplicates(members, _rfc8785);
        WriteRaw("{"u8);
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                WriteRaw(","u8);
            }

            WriteJsonString(JsonMarshal.GetRawUtf8PropertyName(members[i]), ":"u8);
            WriteElement(members[i].Value);
        }

        WriteRaw("}"u8);
    }

    /// <summary>
    /// Sorts members by name (by the UTF-16 code units of their names when <paramref name="utf16"/>, else by their UTF-8
    /// bytes) and refuses a repeated name: an insertion sort for the small objects that are the rule (every adjacent
    /// pair is compared on the way, so a duplicate shows as a tie), a general sort and one pass over neighbours for
    /// larger ones.
    /// </summary>
    private static void SortRefusingDuplicates(Span<JsonProperty> members, bool utf16)
    {
        if (members.Length > 16)
        {
            if (utf16)
            {
                members.Sort(static (a, b) => CompareUtf16Names(a, b));
            }
            else
            {
                members.Sort(static (a, b) => CompareNames(a, b));
            }

            for (var i = 1; i < members.Length; i++)
            {
                if (CompareNames(members[i - 1], members[i], utf16) == 0)
                {
                    throw Duplicate(members[i]);
                }
            }

            return;
        }

        for (var i = 1; i < members.Length; i++)
        {
            var current = members[i];
            var j = i - 1;
            int order;
            while ((order = CompareNames(members[j], current, utf16)) > 0)
            {
                members[j + 1] = members[j];
                if (--j < 0)
                {
                    break;
                }
            }

            if (j >= 0 && order == 0)
            {
                throw Duplicate(current);
            }

            members[j + 1] = current;
        }
    }

    private static FormatException Duplicate(JsonProperty member) => new($"Duplicate member '{member.Name}'.");

    /// <summary>Room for the members of a small object on the stack.</summary>
    [InlineArray(Length)]
    private struct SmallObject
    {
        public const int Length = 16;
        private JsonProperty _first;
    }

    private static ReadOnlySpan<byte> Unquoted(ReadOnlySpan<byte> raw) =>
        raw.Length >= 2 && raw[0] == (byte)'"' ? raw[1..^1] : raw;

    private static int CompareNames(JsonProperty a, JsonProperty b, bool utf16) => utf16 ? CompareUtf16Names(a, b) : CompareNames(a, b);

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
}
