using System.Buffers;
using System.Text.RegularExpressions;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The one regular expression behind the redactor and the secret-material detector. Every alternative
/// has a left boundary (so text inside base64, hashes and identifiers does not match) that also accepts
/// a position right after a JSON escape such as <c>\n</c>, so it works on raw JSON text in streams.
/// </summary>
internal static partial class SensitivePatterns
{
    /// <summary>Longest match of a bounded kind (e-mail, card); the streaming redactor holds back this many characters.</summary>
    public const int MaxBoundedMatchLength = 512;

    // Every alternative but the private key has a left boundary of its own, and each of those rejects at least a letter,
    // a digit, _ or \ before it unless a JSON escape (\n, \r, \t) is: that shared part is tested once, up front, so
    // the engine leaves a position inside a word after one test instead of one per alternative. The same matches,
    // since each alternative's own boundary implies the shared one (EachBoundaryPattern).
    private const string Pattern = PrivateKey + "|" + WordStart + "(?:" + Keys + "|" + Email + "|" + Cards + ")";

    private const string PatternWithoutEmail = PrivateKey + "|" + WordStart + "(?:" + Keys + "|" + Cards + ")";

    /// <summary>
    /// The same alternatives, each behind its own boundary only: what the factored pattern must match exactly
    /// (the tests compare the two).
    /// </summary>
    internal const string EachBoundaryPattern = PrivateKey + "|" + Keys + "|" + Email + "|" + Cards;

    private const string WordStart = @"(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\]))";

    private const string PrivateKey =
        // PEM private key: header, body (base64, whitespace, JSON escapes, legacy headers), END line when present. An escape
        // is matched whole (PemBody), so that \" (the end of a JSON string in raw JSON text) ends the match, backslash and all.
        @"(?<private_key>-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----(?:" + PemBody + @"{0,16384}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----|" + PemBody + "*))";

    // A character of a PEM body, or a JSON escape one holds whole: \n \r \t \/, or \\ (a key inside a JSON string inside a string).
    private const string PemBody = @"(?:[A-Za-z0-9+/=\s:,.-]|\\[nrt/\\])";

    private const string Keys =
        // Bearer credential: the scheme word, whitespace, a token of 12+ characters containing a digit or symbol.
        @"(?<bearer_token>(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\]))[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{12,}=*)"
        // JWT: two base64url segments that decode to JSON objects ("eyJ") and, when present, the signature.
        + @"|(?<jwt>(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/_\\-]))eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)?)"
        // Provider key shapes.
        + @"|(?<api_key>(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/_\\-]))(?:"
        + @"sk-ant-[A-Za-z0-9_-]{20,}"
        + @"|sk-(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}"
        + @"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"
        + @"|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])"
        + @"|gh[pousr]_[A-Za-z0-9]{36,}"
        + @"|github_pat_[A-Za-z0-9_]{22,}"
        + @"|xox[abeprs]-[A-Za-z0-9-]{10,}"
        + @"|AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"
        + @"|glpat-[A-Za-z0-9_-]{20,}"
        + @"|hf_[A-Za-z0-9]{30,}"
        + @"))";

    private const string Email =
        // E-mail: bounded local part and at most four dotted labels before the TLD.
        @"(?<email>(?:(?<=\\[nrt])|(?<![A-Za-z0-9._%+\\-]))[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,24}(?![A-Za-z0-9-]))";

    // A separator between the digit groups of a card number: space, tab, dash, dot, a Unicode space
    // (no-break, figure, thin, narrow no-break, ideographic...) or dash, or the JSON escape \t of raw JSON text.
    private const string CardSeparator = @"(?:[ \t.\u00A0\u2000-\u200A\u202F\u205F\u3000\u2010-\u2015\u2212-]|\\t)";

    private const string Cards =
        // Card number candidates, 13-19 digits (Luhn checked in code): with optional single spaces or dashes
        // between the digits, or in groups of 3-6 digits separated by runs of one to eight (MaxCardSeparators)
        // separators (column-aligned and fixed-width output). A group never has fewer than three or more than
        // six digits, so decimals (3.14159265358979), versions and dates are no candidates.
        @"(?<card_number>(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\.-]))(?:[2-6](?:[ -]?[0-9]){12,18}"
        + @"|[2-6](?:(?:(?<=[0-9]{3})(?<![0-9]{7})" + CardSeparator + "{1,8}" + @"(?=[0-9]{3,6}(?![0-9])))?[0-9]){12,18})"
        + @"(?![0-9A-Za-z_]|[.-][0-9]))";

    /// <summary>The most separators the pattern accepts between two digit groups of a card number.</summary>
    public const int MaxCardSeparators = 8;

    private static readonly string[] GroupNames = [.. RedactionKindNames.All.Select(k => k.ToWireName())];

    /// <summary>
    /// The pattern for <paramref name="text"/>: without the e-mail alternative when the text holds no
    /// <c>@</c>, which no e-mail match can lack. Same matches either way (an alternative that cannot match
    /// changes nothing), but the e-mail alternative starts at any letter or digit, so without it the
    /// engine can skip ahead to the characters the other kinds start with.
    /// </summary>
    public static Regex For(string text) => For(text.AsSpan());

    /// <inheritdoc cref="For(string)"/>
    /// <remarks>
    /// Text that holds none of the pieces some match must contain (<see cref="MayMatchWithoutEmail"/>) gets a pattern
    /// that matches nothing, found without running the engine over it: most text an agent sends or receives.
    /// </remarks>
    public static Regex For(ReadOnlySpan<char> text) =>
        text.Contains('@') ? Sensitive() : MayMatchWithoutEmail(text) ? SensitiveWithoutEmail() : Nothing();

    // What every match of an alternative but the e-mail and the card number contains, case as the pattern has it: the
    // private key's header, a JWT's first segment, each API-key shape's prefix. Add one with each alternative.
    private static readonly SearchValues<string> RequiredText = SearchValues.Create(
        ["-----BEGIN ", "eyJ", "sk-", "sk_", "rk_", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AIza", "glpat-", "hf_"],
        StringComparison.Ordinal);

    // The bearer scheme word, which the pattern takes in any case.
    private static readonly SearchValues<string> BearerScheme = SearchValues.Create(["bearer"], StringComparison.OrdinalIgnoreCase);

    // The fewest ASCII digits a card number candidate holds.
    private const int MinCardDigits = 13;

    /// <summary>
    /// False when no alternative but the e-mail can match anywhere in <paramref name="text"/>: it holds none of
    /// <see cref="RequiredText"/>, no bearer scheme word and fewer than 13 ASCII digits in all (every card candidate has 13).
    /// Each test is a vectorized search, so clean text costs a pass over its characters instead of the engine's try at
    /// each letter that starts some key shape.
    /// </summary>
    internal static bool MayMatchWithoutEmail(ReadOnlySpan<char> text)
    {
        if (text.IndexOfAny(RequiredText) >= 0 || text.IndexOfAny(BearerScheme) >= 0)
        {
            return true;
        }

        var digits = 0;
        for (var rest = text; ;)
        {
            var next = rest.IndexOfAnyInRange('0', '9');
            if (next < 0)
            {
                return false;
            }

            if (++digits == MinCardDigits)
            {
                return true;
            }

            rest = rest[(next + 1)..];
        }
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Sensitive();

    [GeneratedRegex(PatternWithoutEmail, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 2000)]
    private static partial Regex SensitiveWithoutEmail();

    // Matches nothing: for text in which no alternative can match.
    [GeneratedRegex("(?!)", RegexOptions.CultureInvariant)]
    private static partial Regex Nothing();

    // Continuations of a long token that reached the end of a streaming buffer: its alphabet, anchored.
    [GeneratedRegex(@"\G[A-Za-z0-9_-]*", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex ApiKeyContinuation();

    [GeneratedRegex(@"\G[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex JwtContinuation();

    [GeneratedRegex(@"\G[A-Za-z0-9._~+/-]*=*", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex BearerContinuation();

    [GeneratedRegex(@"\G(?:" + PemBody + @"*?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----|" + PemBody + "*)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex PrivateKeyContinuation();

    /// <summary>The anchored continuation of a long token of <paramref name="kind"/> (its alphabet).</summary>
    public static Regex Continuation(RedactionKind kind) => kind switch
    {
        RedactionKind.PrivateKey => PrivateKeyContinuation(),
        RedactionKind.Jwt => JwtContinuation(),
        RedactionKind.BearerToken => BearerContinuation(),
        _ => ApiKeyContinuation(),
    };

    /// <summary>
    /// The kind of a match of <see cref="For(string)"/>'s pattern, read from its text: the alternatives share no
    /// character that decides it (only an e-mail holds <c>@</c>; of the others a private key alone starts with <c>-</c>,
    /// a card number alone with a digit, a JWT alone with <c>e</c>, a bearer credential alone with <c>B</c> or <c>b</c>;
    /// every API-key shape starts with another letter). Reading the named groups would build every group of the match
    /// (<see cref="KindOfGroups"/>, which tests compare this with).
    /// </summary>
    public static RedactionKind KindOf(Match match)
    {
        if (!match.Success)
        {
            throw new InvalidOperationException("A sensitive match without a kind.");
        }

        return KindOf(match.ValueSpan);
    }

    /// <summary>The kind of a match of <see cref="For(string)"/>'s pattern, from the text it matched (<see cref="KindOf(Match)"/>).</summary>
    public static RedactionKind KindOf(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            throw new InvalidOperationException("A sensitive match without a kind.");
        }

        return value.Contains('@') ? RedactionKind.Email : value[0] switch
        {
            '-' => RedactionKind.PrivateKey,
            >= '0' and <= '9' => RedactionKind.CardNumber,
            'e' => RedactionKind.Jwt,
            'B' or 'b' => RedactionKind.BearerToken,
            _ => RedactionKind.ApiKey,
        };
    }

    /// <summary>The kind of a match as its named group says.</summary>
    internal static RedactionKind KindOfGroups(Match match)
    {
        for (var i = 0; i < GroupNames.Length; i++)
        {
            if (match.Groups[GroupNames[i]].Success)
            {
                return (RedactionKind)i;
            }
        }

        throw new InvalidOperationException("A sensitive match without a kind.");
    }

    /// <summary>
    /// True when the card candidate is Luhn-valid with 13-19 digits. A candidate holds digits and the
    /// separators the pattern accepts between them (the escape <c>\t</c> included), so every other
    /// character is skipped.
    /// </summary>
    public static bool IsCardNumber(ReadOnlySpan<char> candidate)
    {
        var sum = 0;
        var digits = 0;
        var doubleIt = false;
        for (var i = candidate.Length - 1; i >= 0; i--)
        {
            var c = candidate[i];
            if (!char.IsAsciiDigit(c))
            {
                continue;
            }

            var d = c - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            digits++;
            doubleIt = !doubleIt;
        }

        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }

    /// <summary>True for a character the pattern accepts between the digit groups of a card number (<see cref="CardSeparator"/> but the escape <c>\t</c>).</summary>
    public static bool IsCardSeparator(char c) =>
        c is ' ' or '\t' or '.' or '-' or '\u00A0' or (>= '\u2000' and <= '\u200A') or '\u202F' or '\u205F' or '\u3000' or (>= '\u2010' and <= '\u2015') or '\u2212';

    /// <summary>
    /// Where the run of card separators that ends at <paramref name="end"/> of <paramref name="text"/> starts,
    /// looking back over at most <see cref="MaxCardSeparators"/> of them (the escape <c>\t</c> counts as one);
    /// <paramref name="end"/> when no separator ends there.
    /// </summary>
    public static int CardSeparatorRunStart(ReadOnlySpan<char> text, int end)
    {
        var start = end;
        for (var n = 0; n < MaxCardSeparators && start > 0; n++)
        {
            if (IsCardSeparator(text[start - 1]))
            {
                start--;
            }
            else if (start > 1 && text[start - 1] == 't' && text[start - 2] == '\\')
            {
                start -= 2;
            }
            else
            {
                break;
            }
        }

        return start;
    }

    /// <summary>True when a match is to be redacted (card candidates must pass Luhn).</summary>
    public static bool IsReal(Match match, RedactionKind kind) => IsReal(match.ValueSpan, kind);

    /// <inheritdoc cref="IsReal(Match, RedactionKind)"/>
    public static bool IsReal(ReadOnlySpan<char> value, RedactionKind kind) => kind != RedactionKind.CardNumber || IsCardNumber(value);
}
