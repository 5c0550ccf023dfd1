using System.Text;
using System.Text.Json;

namespace Gateway.Connectors;

/// <summary>Fills <c>{arg}</c> placeholders of an HTTP connector's path template from the call's arguments.</summary>
public static class PathTemplate
{
    /// <summary>
    /// Replaces every placeholder with the URL-encoded value of the argument of that name (strings
    /// verbatim, numbers and booleans as JSON text). Returns the path and the names consumed.
    /// </summary>
    /// <exception cref="ArgumentException">A placeholder has no argument or the argument is an object/array/null.</exception>
    public static (string Path, IReadOnlySet<string> Used) Fill(string template, JsonElement args)
    {
        ArgumentNullException.ThrowIfNull(template);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var builder = new StringBuilder(template.Length + 32);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                builder.Append(template, i, template.Length - i);
                break;
            }

            builder.Append(template, i, open - i);
            var close = template.IndexOf('}', open);
            var name = template[(open + 1)..close];
            if (args.ValueKind != JsonValueKind.Object || !args.TryGetProperty(name, out var value))
            {
                throw new ArgumentException($"argument '{name}' is required by the path template.", nameof(args));
            }

            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => throw new ArgumentException($"argument '{name}' must be a string, number or boolean to fill the path.", nameof(args)),
            };
            if (SegmentProblem(text) is { } problem)
            {
                throw new ArgumentException($"argument '{name}' {problem}", nameof(args));
            }

            builder.Append(Uri.EscapeDataString(text));
            used.Add(name);
            i = close + 1;
        }

        return (builder.ToString(), used);
    }

    /// <summary>
    /// Why a value may not fill a path segment, or null: an empty value, a dot segment (<c>.</c>, <c>..</c>,
    /// also <c>..;</c>), a separator (<c>/</c>, <c>\</c>) or an encoded separator or dot (<c>%2f</c>, <c>%5c</c>,
    /// <c>%2e</c>, at any depth of encoding via <c>%25</c>), or a control character. Escaping would make
    /// most of these harmless to a strict upstream; refusing them makes them harmless to every upstream.
    /// </summary>
    private static string? SegmentProblem(string value)
    {
        if (value.Length == 0)
        {
            return "is empty and cannot fill a path segment.";
        }

        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        if ((semicolon < 0 ? value : value[..semicolon]) is "." or "..")
        {
            return "is a dot segment ('.' or '..').";
        }

        foreach (var c in value)
        {
            if (c is '/' or '\\' || char.IsControl(c))
            {
                return "contains a path separator or a control character.";
            }
        }

        // Ignoring case as ordinal upper case (no character outside ASCII folds to these), without a lower-cased copy.
        foreach (var encoded in EncodedSeparators)
        {
            if (value.Contains(encoded, StringComparison.OrdinalIgnoreCase))
            {
                return "contains an encoded separator, dot or percent sign.";
            }
        }

        return null;
    }

    private static readonly string[] EncodedSeparators = ["%2f", "%5c", "%2e", "%25", "%00"];
}
