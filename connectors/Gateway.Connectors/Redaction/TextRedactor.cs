using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Replaces e-mail addresses, bearer tokens, JWTs, API-key shapes, PEM private keys and Luhn-valid card
/// numbers in a complete text with <c>[REDACTED:&lt;kind&gt;]</c>, counting each kind.
/// </summary>
public static class TextRedactor
{
    /// <summary>
    /// False when nothing in <paramref name="text"/> can be redacted (no allocation): a caller that holds the text
    /// as characters writes it as it is and makes a string only when this is true.
    /// </summary>
    public static bool MayRedact(ReadOnlySpan<char> text) => SensitivePatterns.For(text).IsMatch(text);

    /// <summary>The redacted text (the same instance when nothing matched).</summary>
    public static string Redact(string text, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(counts);
        var match = SensitivePatterns.For(text).Match(text);
        StringBuilder? builder = null;
        var last = 0;
        while (match.Success)
        {
            var kind = SensitivePatterns.KindOf(match);
            if (SensitivePatterns.IsReal(match, kind))
            {
                builder ??= new StringBuilder(text.Length);
                builder.Append(text, last, match.Index - last).Append(kind.Replacement());
                last = match.Index + match.Length;
                counts.Add(kind);
            }

            match = match.NextMatch();
        }

        return builder is null ? text : builder.Append(text, last, text.Length - last).ToString();
    }
}
