using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Gateway.Connectors;

/// <summary>Fills <c>{arg}</c> placeholders of an HTTP connector's path template from the call's arguments.</summary>
public static class PathTemplate
{
    /// <summary>
    /// Replaces every placeholder with the URL-encoded value of the argument of that name (strings
    /// verbatim, numbers and booleans as JSON text). Returns the path; <see cref="Fills"/> says which arguments it took.
    /// The path is written through the stack: only the path itself (and a string argument's text) is allocated.
    /// </summary>
    /// <exception cref="ArgumentException">A placeholder has no argument or the argument is an object/array/null.</exception>
    public static string Fill(string template, JsonElement args)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.IndexOf('{', StringComparison.Ordinal) < 0)
        {
            return template;
        }

        var path = new DefaultInterpolatedStringHandler(0, 0, null, stackalloc char[256]);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                path.AppendFormatted(template.AsSpan(i));
                break;
            }

            path.AppendFormatted(template.AsSpan(i, open - i));
            var close = template.IndexOf('}', open);
            var name = template.AsSpan(open + 1, close - open - 1);
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

            path.AppendFormatted(Uri.EscapeDataString(text));
            i = close + 1;
        }

        return path.ToStringAndClear();
    }

    /// <summary>Whether <paramref name="template"/> has a placeholder for the argument <paramref name="argument"/> (the path takes it), its name not copied.</summary>
    public static bool Fills(string template, JsonProperty argument)
    {
        ArgumentNullException.ThrowIfNull(template);
        var open = template.IndexOf('{', StringComparison.Ordinal);
        while (open >= 0)
        {
            var close = template.IndexOf('}', open);
            if (close < 0)
            {
                return false;
            }

            if (argument.NameEquals(template.AsSpan(open + 1, close - open - 1)))
            {
                return true;
            }

            open = template.IndexOf('{', close);
        }

        return false;
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
