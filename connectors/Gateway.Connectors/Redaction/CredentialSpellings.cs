using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The spellings of the credentials the gateway sent upstream for one request, which no answer may carry back to the
/// agent: the value itself (so its <c>Bearer</c> form too), JSON-escaped (default and relaxed escaping) and
/// percent-encoded (upper- and lower-case hex, and form encoding), base64 and base64url at each of the three alignments
/// (<see cref="Base64Spellings"/>), matched as written; and the value however else an echo encodes it
/// (<see cref="EncodedCredential"/>: percent-escapes of any of its characters, Markdown backslash escapes, JSON
/// <c>\uXXXX</c> escapes of ordinary characters, <c>+</c> for a space), matched in the text as a decoder reads it, as are its
/// percent-encoding and base64 cores escaped once more (JSON-escaped or percent-encoded percent-encoding, <c>\u002B</c>,
/// <c>\/</c> or <c>%2F</c> in base64). A Basic credential's <c>user:password</c> pair is looked for as well. Set on
/// the request's <see cref="RedactionCounts"/> by the injection (<see cref="RedactionCounts.RedactCredential"/>), so every
/// redactor that counts there replaces an echo with <c>[REDACTED:credential]</c> (<see cref="RedactionKind.Credential"/>).
/// A value shorter than <see cref="MinLength"/> characters is not looked for (it would match ordinary text). Immutable.
/// </summary>
internal sealed class CredentialSpellings
{
    /// <summary>The shortest credential looked for.</summary>
    public const int MinLength = 8;

    // The most forms searched with positions on the stack (one for the exact spellings, then each encoded form).
    private const int StackSources = 16;

    // Longest first: at a position where several start, the longest is the one replaced.
    private readonly string[] _spellings;
    private readonly SearchValues<string> _search;
    private readonly EncodedCredential[] _encoded;

    private CredentialSpellings(string[] spellings, EncodedCredential[] encoded)
    {
        _spellings = spellings;
        _search = SearchValues.Create(spellings, StringComparison.Ordinal);
        _encoded = encoded;
        MaxLength = spellings[0].Length;
    }

    /// <summary>The longest spelling's length.</summary>
    public int MaxLength { get; }

    /// <summary>The spellings of <paramref name="secret"/>; null when it is shorter than <see cref="MinLength"/>.</summary>
    public static CredentialSpellings? Of(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < MinLength)
        {
            return null;
        }

        var spellings = new CredentialSpellings(Ordered(Spell(secret)), Encoded(secret));
        return Base64Spellings.BasicPair(secret) is { Length: >= MinLength } pair ? spellings.With(Of(pair)) : spellings;
    }

    /// <summary>These spellings and <paramref name="other"/>'s.</summary>
    public CredentialSpellings With(CredentialSpellings? other) =>
        other is null || ReferenceEquals(other, this)
            ? this
            : new CredentialSpellings(Ordered(_spellings.Concat(other._spellings)), [.. _encoded.Concat(other._encoded).DistinctBy(static e => e.Pattern, StringComparer.Ordinal)]);

    /// <summary>True when some spelling occurs in <paramref name="text"/>.</summary>
    public bool Occurs(ReadOnlySpan<char> text)
    {
        if (text.Length < MinLength || text.IndexOfAny(_search) >= 0)
        {
            return text.Length >= MinLength;
        }

        using var reading = EncodedCredential.Read(text, 0);
        foreach (var encoded in _encoded)
        {
            if (encoded.Find(text, 0, reading, out _) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Every occurrence that starts at or after <paramref name="start"/>, in order and not overlapping (at each, the
    /// longest), as index and length; null when there is none. Linear in the text: it is read once for every encoded form
    /// (<see cref="EncodedCredential.Read"/>), and each form is searched again only from past the occurrence it found last.
    /// </summary>
    public List<(int At, int Length)>? FindAll(ReadOnlySpan<char> text, int start)
    {
        var sources = _encoded.Length + 1;
        var next = sources <= StackSources ? stackalloc int[sources] : new int[sources];
        var lengths = sources <= StackSources ? stackalloc int[sources] : new int[sources];
        next.Fill(int.MinValue);
        using var reading = sources > 1 ? EncodedCredential.Read(text, start) : null;
        List<(int At, int Length)>? found = null;
        for (var from = start; ;)
        {
            var best = -1;
            for (var source = 0; source < sources; source++)
            {
                if (next[source] != -1 && next[source] < from)
                {
                    next[source] = source == 0 ? FindSpelling(text, from, out lengths[source]) : _encoded[source - 1].Find(text, from, reading, out lengths[source]);
                }

                if (next[source] >= 0 && (best < 0 || next[source] < next[best] || (next[source] == next[best] && lengths[source] > lengths[best])))
                {
                    best = source;
                }
            }

            if (best < 0)
            {
                return found;
            }

            (found ??= []).Add((next[best], lengths[best]));
            from = next[best] + lengths[best];
        }
    }

    /// <summary>
    /// Where the text ends with the beginning of a spelling, or of an encoding of the value (so that the next piece of a
    /// stream could complete it): the start of the longest such ending, or the text's length when there is none.
    /// </summary>
    public int PartialStart(ReadOnlySpan<char> text)
    {
        var partial = text.Length;
        for (var start = Math.Max(0, text.Length - MaxLength + 1); start < partial; start++)
        {
            var tail = text[start..];
            foreach (var spelling in _spellings)
            {
                if (spelling.Length > tail.Length && spelling.AsSpan().StartsWith(tail, StringComparison.Ordinal))
                {
                    partial = start;
                    break;
                }
            }
        }

        foreach (var encoded in _encoded)
        {
            partial = Math.Min(partial, encoded.PartialStart(text));
        }

        return partial;
    }

    /// <summary>
    /// <paramref name="text"/> with every spelling that starts at or after <paramref name="start"/> replaced by
    /// <c>[REDACTED:credential]</c>, each counted in <paramref name="counts"/>; the same instance when none occurs.
    /// </summary>
    public string Redact(string text, int start, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(counts);
        if (FindAll(text, start) is not { } found)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length).Append(text, 0, start);
        var last = start;
        foreach (var (at, length) in found)
        {
            builder.Append(text, last, at - last).Append(RedactionKind.Credential.Replacement());
            counts.Add(RedactionKind.Credential);
            last = at + length;
        }

        return builder.Append(text, last, text.Length - last).ToString();
    }

    // The first exact spelling at or after start: its index and length (the longest there), or -1.
    private int FindSpelling(ReadOnlySpan<char> text, int start, out int length)
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
        foreach (var base64 in Base64Spellings.Exact(secret))
        {
            yield return base64;
        }
    }

    // The forms matched as a decoder reads the text: the value's own, then its percent-encoding and base64 cores, which an
    // echo that escapes them once more (\u0025, %25, \u002B, \/) spells otherwise.
    private static EncodedCredential[] Encoded(string secret)
    {
        var percent = Uri.EscapeDataString(secret);
        var stacked = new[] { percent, LowerHex(percent) }.Concat(Base64Spellings.Cores(secret)).Select(EncodedCredential.OfSpelling);
        return [.. EncodedCredential.Of(secret, MinLength).Concat(stacked).Where(static e => e.Pattern.Length >= MinLength).DistinctBy(static e => e.Pattern, StringComparer.Ordinal)];
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
