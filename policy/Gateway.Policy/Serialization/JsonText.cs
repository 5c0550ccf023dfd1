using System.Buffers.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Gateway.Policy.Serialization;

/// <summary>
/// The one rule for JSON read from a request: its strings and member names are text. JSON is UTF-8 (RFC 8259 §8.1), and
/// a <c>\u</c> escape of a UTF-16 surrogate names a character only as a high surrogate followed at once by an escaped low
/// one (§7, §8.2): a lone one (<c>"\ud800"</c>, <c>"\udc00"</c>, a high one before anything else) is no character.
/// <see cref="System.Text.Json"/> parses such a body and throws <see cref="InvalidOperationException"/> only when a string
/// of it is read, anywhere later; every reader of a request body checks it here first, inside its parse, so that such a
/// body is that reader's malformed body (a <see cref="JsonException"/>) like broken JSON, never a 500.
/// </summary>
public static class JsonText
{
    /// <summary>True when every string and member name of <paramref name="json"/> is text (valid UTF-8, no lone surrogate escape).</summary>
    public static bool IsText(ReadOnlySpan<byte> json) => FirstFault(json, out _) < 0;

    /// <summary>
    /// Throws a <see cref="JsonException"/> (what is wrong, its line and byte) when <paramref name="json"/> is not text,
    /// so that a reader's own refusal of broken JSON refuses it.
    /// </summary>
    public static void ThrowIfNotText(ReadOnlySpan<byte> json)
    {
        var at = FirstFault(json, out var surrogate);
        if (at < 0)
        {
            return;
        }

        var before = json[..at];
        var line = before.Count((byte)'\n');
        var position = at - (before.LastIndexOf((byte)'\n') + 1);
        throw new JsonException(
            surrogate ? "A string or member name escapes a lone UTF-16 surrogate, which is no character." : "The body is not UTF-8 text.",
            path: null, line, position);
    }

    /// <summary>How deep a request body may nest where its reader names no shallower bound.</summary>
    public const int RequestBodyDepth = 64;

    /// <summary>
    /// The one strict parse of a request body: text (<see cref="ThrowIfNotText"/>), no member repeated (two readers could
    /// each take another of them), nested at most <paramref name="maxDepth"/> deep. Throws a <see cref="JsonException"/>
    /// for anything else, which each reader answers as its malformed body.
    /// </summary>
    public static JsonElement ParseStrict(ReadOnlySpan<byte> json, int maxDepth = RequestBodyDepth)
    {
        ThrowIfNotText(json);
        return JsonElement.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth, AllowDuplicateProperties = false });
    }

    // The offset of the first byte that is not UTF-8, or of the first escape of a lone surrogate; -1 when there is none.
    // Outside strings a backslash is no JSON at all (the parser refuses it), so every backslash here starts an escape.
    private static int FirstFault(ReadOnlySpan<byte> json, out bool surrogate)
    {
        surrogate = false;
        if (!Utf8.IsValid(json))
        {
            return InvalidUtf8At(json);
        }

        for (var i = 0; ;)
        {
            var next = i < json.Length ? json[i..].IndexOf((byte)'\\') : -1;
            if (next < 0)
            {
                return -1;
            }

            i += next;
            if (!TryUnit(json, i, out var unit))
            {
                // Another escape (or a broken one, which the parser refuses): two bytes.
                i += 2;
                continue;
            }

            if (char.IsHighSurrogate(unit) && TryUnit(json, i + 6, out var low) && char.IsLowSurrogate(low))
            {
                i += 12;
                continue;
            }

            if (char.IsSurrogate(unit))
            {
                surrogate = true;
                return i;
            }

            i += 6;
        }
    }

    // The UTF-16 code unit of the escape \uXXXX at at; false when there is none there.
    private static bool TryUnit(ReadOnlySpan<byte> json, int at, out char unit)
    {
        unit = default;
        if (at + 6 > json.Length || json[at] != (byte)'\\' || json[at + 1] != (byte)'u'
            || !Utf8Parser.TryParse(json.Slice(at + 2, 4), out ushort value, out var consumed, 'x') || consumed != 4)
        {
            return false;
        }

        unit = (char)value;
        return true;
    }

    private static int InvalidUtf8At(ReadOnlySpan<byte> json)
    {
        var chars = new char[json.Length];
        _ = Utf8.ToUtf16(json, chars, out var read, out _, replaceInvalidSequences: false);
        return read;
    }
}
