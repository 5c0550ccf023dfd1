using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Replaces e-mail addresses, bearer tokens, JWTs, API-key shapes, PEM private keys and Luhn-valid card
/// numbers in a complete text with <c>[REDACTED:&lt;kind&gt;]</c>, counting each kind; and, first, every spelling of
/// the credential the gateway injected into the request (<see cref="RedactionCounts.RedactCredential"/>), as
/// <c>[REDACTED:credential]</c>. The patterns are matched in the text as a JSON parser reads it (<see cref="EscapedText"/>:
/// <c>ada\u0040example.com</c> is an address), the replacement made where the escaped spelling stands.
/// </summary>
public static class TextRedactor
{
    /// <summary>
    /// False when nothing in <paramref name="text"/> can be redacted (no allocation): a caller that holds the text
    /// as characters writes it as it is and makes a string only when this is true.
    /// </summary>
    public static bool MayRedact(ReadOnlySpan<char> text)
    {
        if (SensitivePatterns.For(text).IsMatch(text))
        {
            return true;
        }

        if (!EscapedText.MayHoldEscape(text))
        {
            return false;
        }

        var decoded = EscapedText.Of(text.ToString()).Decoded;
        return SensitivePatterns.For(decoded).IsMatch(decoded);
    }

    /// <summary><see cref="MayRedact(ReadOnlySpan{char})"/>, or the text holds the credential <paramref name="counts"/> redact.</summary>
    public static bool MayRedact(ReadOnlySpan<char> text, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return counts.Credential?.Occurs(text) == true || MayRedact(text);
    }

    /// <summary>
    /// Redacts <paramref name="text"/> into <paramref name="destination"/> as <see cref="Redact"/> does, with no
    /// allocation: the length written, or -1 (nothing counted) when the result does not fit or has more than
    /// <see cref="MaxSpanMatches"/> redactions, or holds the credential <paramref name="counts"/> redact or a JSON escape
    /// (<see cref="EscapedText.MayHoldEscape"/>); the caller then
    /// makes the string and calls <see cref="Redact"/>.
    /// </summary>
    public static int TryRedact(ReadOnlySpan<char> text, Span<char> destination, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Credential?.Occurs(text) == true || EscapedText.MayHoldEscape(text))
        {
            return -1;
        }

        Span<byte> kinds = stackalloc byte[MaxSpanMatches];
        var found = 0;
        var written = 0;
        var last = 0;
        foreach (var match in SensitivePatterns.For(text).EnumerateMatches(text))
        {
            var value = text.Slice(match.Index, match.Length);
            var kind = SensitivePatterns.KindOf(value);
            if (!SensitivePatterns.IsReal(value, kind))
            {
                continue;
            }

            var replacement = kind.Replacement();
            if (found == MaxSpanMatches || !TryAppend(text[last..match.Index], destination, ref written) || !TryAppend(replacement, destination, ref written))
            {
                return -1;
            }

            kinds[found++] = (byte)kind;
            last = match.Index + match.Length;
        }

        if (!TryAppend(text[last..], destination, ref written))
        {
            return -1;
        }

        // Counted once the whole text is redacted: a text that did not fit is counted by Redact instead.
        foreach (var kind in kinds[..found])
        {
            counts.Add((RedactionKind)kind);
        }

        return written;
    }

    /// <summary>The most redactions <see cref="TryRedact"/> makes in one text.</summary>
    public const int MaxSpanMatches = 16;

    private static bool TryAppend(ReadOnlySpan<char> part, Span<char> destination, ref int written)
    {
        if (!part.TryCopyTo(destination[written..]))
        {
            return false;
        }

        written += part.Length;
        return true;
    }

    /// <summary>
    /// <paramref name="text"/> with only the credential <paramref name="counts"/> redact replaced (a response header's
    /// value: the patterns are for bodies); the same instance when it holds none.
    /// </summary>
    public static string RedactCredential(string text, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return counts.Credential is { } credential ? credential.Redact(text, 0, counts) : text;
    }

    /// <summary>The redacted text (the same instance when nothing matched).</summary>
    public static string Redact(string text, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Credential is { } credential)
        {
            // The credential first: its replacement holds nothing the patterns match.
            text = credential.Redact(text, 0, counts);
        }

        var escaped = EscapedText.Of(text);
        var decoded = escaped.Decoded;
        var match = SensitivePatterns.For(decoded).Match(decoded);
        StringBuilder? builder = null;
        var last = 0;
        while (match.Success)
        {
            var kind = SensitivePatterns.KindOf(match);
            if (SensitivePatterns.IsReal(match, kind))
            {
                var start = escaped.Original(match.Index);
                builder ??= new StringBuilder(text.Length);
                builder.Append(text, last, start - last).Append(kind.Replacement());
                last = escaped.Original(match.Index + match.Length);
                counts.Add(kind);
            }

            match = match.NextMatch();
        }

        return builder is null ? text : builder.Append(text, last, text.Length - last).ToString();
    }
}
