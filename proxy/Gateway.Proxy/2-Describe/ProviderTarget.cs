using System.Text;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The strict reading of a <c>/providers/{connector}/{rest}</c> request target, taken from the raw
/// target the agent signed (never from Kestrel's normalised path). Anything that another parser could
/// read as a different path is refused, not normalised: percent-encoded <c>/</c>, <c>\</c>, <c>.</c> or
/// <c>%</c> (which covers every deeper encoding), raw <c>\</c> and <c>#</c> (many upstreams end the path there),
/// control characters and NUL, dot segments
/// (also <c>..;</c>), empty segments (<c>//</c>), invalid or overlong UTF-8, and over-long targets.
/// </summary>
internal sealed class ProviderTarget
{
    /// <summary>Longest accepted remaining path, in raw characters.</summary>
    public const int MaxPathLength = 4096;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private ProviderTarget(string connector, string rawPath, IReadOnlyList<string> segments, string rawQuery)
    {
        Connector = connector;
        RawPath = rawPath;
        Segments = segments;
        RawQuery = rawQuery;
    }

    /// <summary>The connector segment, decoded.</summary>
    public string Connector { get; }

    /// <summary>The remaining path exactly as sent (still percent-encoded), without a leading slash.</summary>
    public string RawPath { get; }

    /// <summary>The remaining path's segments, decoded; a trailing slash adds no segment.</summary>
    public IReadOnlyList<string> Segments { get; }

    /// <summary>The query as sent, with its leading '?', or empty.</summary>
    public string RawQuery { get; }

    /// <summary>The decoded remaining path joined with '/', for matching and for the audit record.</summary>
    public string CanonicalPath => string.Join('/', Segments);

    /// <summary>Parses <paramref name="rawTarget"/>; on refusal <paramref name="problem"/> says why.</summary>
    public static bool TryParse(string rawTarget, out ProviderTarget target, out string problem)
    {
        target = null!;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            problem = "The request target must be a path (origin form).";
            return false;
        }

        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var query = queryStart < 0 ? string.Empty : rawTarget[queryStart..];
        const string Prefix = "/providers/";
        if (!path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            problem = "The request target is not under /providers/.";
            return false;
        }

        var rest = path[Prefix.Length..];
        if (rest.Length > MaxPathLength)
        {
            problem = $"The path is longer than {MaxPathLength} characters.";
            return false;
        }

        var raw = rest.Split('/');
        var segments = new List<string>(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i].Length == 0)
            {
                if (i == raw.Length - 1 && i >= 1)
                {
                    break; // one trailing slash
                }

                problem = "Empty path segments ('//') are not accepted.";
                return false;
            }

            if (!TryDecodeSegment(raw[i], out var decoded, out problem))
            {
                return false;
            }

            segments.Add(decoded);
        }

        if (segments.Count == 0)
        {
            problem = "The connector segment is missing.";
            return false;
        }

        if (query.Contains('#', StringComparison.Ordinal) || ContainsControl(query))
        {
            problem = "The query carries a fragment or control characters.";
            return false;
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        target = new ProviderTarget(segments[0], slash < 0 ? string.Empty : rest[(slash + 1)..], segments.GetRange(1, segments.Count - 1), query);
        problem = string.Empty;
        return true;
    }

    private static bool TryDecodeSegment(string segment, out string decoded, out string problem)
    {
        decoded = string.Empty;
        Span<byte> bytes = segment.Length <= 256 ? stackalloc byte[segment.Length] : new byte[segment.Length];
        var count = 0;
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == '%')
            {
                if (i + 2 >= segment.Length || !IsHex(segment[i + 1]) || !IsHex(segment[i + 2]))
                {
                    problem = "A '%' is not followed by two hexadecimal digits.";
                    return false;
                }

                var b = (byte)((HexValue(segment[i + 1]) << 4) | HexValue(segment[i + 2]));
                if (b is (byte)'/' or (byte)'\\' or (byte)'.' or (byte)'%' || b < 0x20 || b == 0x7f)
                {
                    problem = "Encoded '/', '\\', '.', '%' or control characters are not accepted in the path.";
                    return false;
                }

                bytes[count++] = b;
                i += 2;
                continue;
            }

            if (c is '\\' or '#' || c < 0x20 || c >= 0x7f)
            {
                problem = "Backslashes, '#', control characters and raw non-ASCII are not accepted in the path.";
                return false;
            }

            bytes[count++] = (byte)c;
        }

        try
        {
            decoded = StrictUtf8.GetString(bytes[..count]);
        }
        catch (DecoderFallbackException)
        {
            problem = "The path carries invalid or overlong UTF-8.";
            return false;
        }

        var semicolon = decoded.IndexOf(';', StringComparison.Ordinal);
        var name = semicolon < 0 ? decoded : decoded[..semicolon];
        if (name is "." or ".." || ContainsControl(decoded))
        {
            problem = "Dot segments ('.', '..') are not accepted in the path.";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    private static bool ContainsControl(string value)
    {
        foreach (var c in value)
        {
            if (c < 0x20 || c == 0x7f)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
