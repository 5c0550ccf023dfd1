using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The spellings of the credentials the gateway sent upstream for one request, which no answer may carry back to the
/// agent: the value itself (so its <c>Bearer</c> form too), JSON-escaped (default and relaxed escaping) and
/// percent-encoded (upper- and lower-case hex, and form encoding). Set on the request's <see cref="RedactionCounts"/> by
/// the injection (<see cref="RedactionCounts.RedactCredential"/>), so every redactor that counts there replaces an echo
/// with <c>[REDACTED:credential]</c> (<see cref="RedactionKind.Credential"/>). A value shorter than
/// <see cref="MinLength"/> characters is not looked for (it would match ordinary text). Immutable.
/// </summary>
internal sealed class CredentialSpellings
{
    /// <summary>The shortest credential looked for.</summary>
    public const int MinLength = 8;

    // Longest first: at a position where several start, the longest is the one replaced.
    private readonly string[] _spellings;
    private readonly SearchValues<string> _search;

    private CredentialSpellings(string[] spellings)
    {
        _spellings = spellings;
        _search = SearchValues.Create(spellings, StringComparison.Ordinal);
        MaxLength = spellings[0].Length;
    }

    /// <summary>The longest spelling's length.</summary>
    public int MaxLength { get; }

    /// <summary>The spellings of <paramref name="secret"/>; null when it is shorter than <see cref="MinLength"/>.</summary>
    public static CredentialSpellings? Of(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return secret.Length < MinLength ? null : new CredentialSpellings(Ordered(Spell(secret)));
    }

    /// <summary>These spellings and <paramref name="other"/>'s.</summary>
    public CredentialSpellings With(CredentialSpellings? other) =>
        other is null || ReferenceEquals(other, this) ? this : new CredentialSpellings(Ordered(_spellings.Concat(other._spellings)));

    /// <summary>True when some spelling occurs in <paramref name="text"/>.</summary>
    public bool Occurs(ReadOnlySpan<char> text) => text.Length >= MinLength && text.IndexOfAny(_search) >= 0;

    /// <summary>The first occurrence at or after <paramref name="start"/>: its index and length (the longest spelling there), or -1.</summary>
    public int Find(ReadOnlySpan<char> text, int start, out int length)
    {
        length = 0;
        var found = text[start..].IndexOfAny(_search);
        if (found < 0)
        {
            return -1;
        }

        var at = text[(start + found)..];
        foreach (var spelling in _spellings)
        {
            if (at.StartsWith(spelling, StringComparison.Ordinal))
            {
                length = spelling.Length;
                break;
            }
        }

        return start + found;
    }

    /// <summary>
    /// Where the text ends with the beginning of a spelling (so that the next piece of a stream could complete it): the
    /// start of the longest such ending, or the text's length when there is none.
    /// </summary>
    public int PartialStart(ReadOnlySpan<char> text)
    {
        for (var start = Math.Max(0, text.Length - MaxLength + 1); start < text.Length; start++)
        {
            var tail = text[start..];
            foreach (var spelling in _spellings)
            {
                if (spelling.Length > tail.Length && spelling.AsSpan().StartsWith(tail, StringComparison.Ordinal))
                {
                    return start;
                }
            }
        }

        return text.Length;
    }

    /// <summary>
    /// <paramref name="text"/> with every spelling that starts at or after <paramref name="start"/> replaced by
    /// <c>[REDACTED:credential]</c>, each counted in <paramref name="counts"/>; the same instance when none occurs.
    /// </summary>
    public string Redact(string text, int start, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(counts);
        StringBuilder? builder = null;
        var last = start;
        for (var at = Find(text, start, out var length); at >= 0; at = Find(text, last, out length))
        {
            builder ??= new StringBuilder(text.Length).Append(text, 0, start);
            builder.Append(text, last, at - last).Append(RedactionKind.Credential.Replacement());
            counts.Add(RedactionKind.Credential);
            last = at + length;
        }

        return builder is null ? text : builder.Append(text, last, text.Length - last).ToString();
    }

    private static IEnumerable<string> Spell(string secret)
    {
        yield return secret;
        foreach (var json in (string[])[JsonEncodedText.Encode(secret, JavaScriptEncoder.Default).Value, JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value])
        {
            // As .NET writes it, with `/` escaped as PHP's json_encode and others write it, and with lower-case hex digits.
            yield return json;
            yield return json.Replace("/", "\\/", StringComparison.Ordinal);
            yield return LowerHexEscapes(json);
            yield return LowerHexEscapes(json).Replace("/", "\\/", StringComparison.Ordinal);
        }

        var percent = Uri.EscapeDataString(secret);
        yield return percent;
        yield return LowerHex(percent);
        yield return WebUtility.UrlEncode(secret);
    }

    // \u002B → \u002b: the same character, its JSON escape spelled with lower-case hex digits.
    private static string LowerHexEscapes(string json)
    {
        var chars = json.ToCharArray();
        for (var i = 0; i + 5 < chars.Length; i++)
        {
            if (chars[i] == '\\' && chars[i + 1] == 'u')
            {
                for (var k = i + 2; k < i + 6; k++)
                {
                    chars[k] = char.ToLowerInvariant(chars[k]);
                }

                i += 5;
            }
            else if (chars[i] == '\\')
            {
                i++;
            }
        }

        return new string(chars);
    }

    // %2B → %2b: the same bytes, spelled with lower-case hex digits.
    private static string LowerHex(string percent)
    {
        var chars = percent.ToCharArray();
        for (var i = 0; i + 2 < chars.Length; i++)
        {
            if (chars[i] == '%')
            {
                chars[i + 1] = char.ToLowerInvariant(chars[i + 1]);
                chars[i + 2] = char.ToLowerInvariant(chars[i + 2]);
            }
        }

        return new string(chars);
    }

    private static string[] Ordered(IEnumerable<string> spellings) =>
        [.. spellings.Distinct(StringComparer.Ordinal).OrderByDescending(static s => s.Length).ThenBy(static s => s, StringComparer.Ordinal)];
}
