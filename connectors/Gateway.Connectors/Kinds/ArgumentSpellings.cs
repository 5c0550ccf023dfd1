using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Gateway.Connectors.Kinds;

/// <summary>Arguments' names spelled two ways (<see cref="HttpConnectorType.ArgumentsRefusal"/>), found without allocating when there are none.</summary>
internal static class ArgumentSpellings
{
    // Above this many names, an object's spellings are compared through a table of folded names, not each with each.
    private const int MaxNamesComparedInPlace = 16;

    /// <summary>The first name (with its path) in <paramref name="args"/> that folds like another in the same object, and that other; null when none does.</summary>
    public static (string Name, string Other)? FirstSpelledTwoWays(JsonElement args) => FirstSpelledTwoWays(args, atRoot: true);

    // The first name that folds like another in the same object (its path below value, as a suffix of the path above:
    // ".name" or "[i]", or the bare name at the root), and that other; each object and array item below is searched too.
    // Nothing is allocated unless one is found, or an object's names are escaped or many.
    private static (string Name, string Other)? FirstSpelledTwoWays(JsonElement value, bool atRoot)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (FirstSpelledTwoWays(item, atRoot: false) is var (name, other))
                {
                    return (string.Create(CultureInfo.InvariantCulture, $"[{i}]{name}"), other);
                }

                i++;
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        Dictionary<string, string>? seen = null;
        if (value.GetPropertyCount() > MaxNamesComparedInPlace || HasEscapedName(value))
        {
            seen = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var index = 0;
        foreach (var property in value.EnumerateObject())
        {
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            if (seen is not null)
            {
                var folded = Mcp.McpMemberNames.Fold(property.Name);
                if (seen.TryGetValue(folded, out var other))
                {
                    return (PathSegment(property.Name, atRoot), other);
                }

                seen[folded] = property.Name;
            }
            else if (SpelledLikeAnEarlier(value, raw, index) is { } other)
            {
                return (PathSegment(property.Name, atRoot), other);
            }

            index++;
            if (FirstSpelledTwoWays(property.Value, atRoot && raw.IsEmpty) is var (name, deeperOther))
            {
                return (PathSegment(property.Name, atRoot) + name, deeperOther);
            }
        }

        return null;
    }

    private static string PathSegment(string name, bool atRoot) => atRoot ? name : "." + name;

    private static bool HasEscapedName(JsonElement value)
    {
        foreach (var property in value.EnumerateObject())
        {
            if (JsonMarshal.GetRawUtf8PropertyName(property).Contains((byte)'\\'))
            {
                return true;
            }
        }

        return false;
    }

    // The name of one of the first count properties of value that folds like raw (an unescaped name); null when none does.
    private static string? SpelledLikeAnEarlier(JsonElement value, ReadOnlySpan<byte> raw, int count)
    {
        foreach (var earlier in value.EnumerateObject())
        {
            if (count-- == 0)
            {
                return null;
            }

            if (FoldsAlike(JsonMarshal.GetRawUtf8PropertyName(earlier), raw))
            {
                return earlier.Name;
            }
        }

        return null;
    }

    // Mcp.McpMemberNames.Fold's equality on two unescaped UTF-8 names: no '_' or '-', ASCII letters without case, and
    // U+017F, U+212A, U+0130 and U+0131 as S, K and I; every other character as itself.
    private static bool FoldsAlike(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int i = 0, j = 0;
        while (true)
        {
            var x = NextFolded(a, ref i);
            if (x != NextFolded(b, ref j))
            {
                return false;
            }

            if (x < 0)
            {
                return true;
            }
        }
    }

    private static int NextFolded(ReadOnlySpan<byte> name, ref int at)
    {
        while (at < name.Length)
        {
            var c = name[at];
            if (c is (byte)'_' or (byte)'-')
            {
                at++;
                continue;
            }

            var rest = name[at..];
            (int folded, int length) = c switch
            {
                >= (byte)'a' and <= (byte)'z' => (c - ('a' - 'A'), 1),
                0xC5 when rest.StartsWith("\u017F"u8) => ('S', 2),
                0xC4 when rest.StartsWith("\u0130"u8) || rest.StartsWith("\u0131"u8) => ('I', 2),
                0xE2 when rest.StartsWith("\u212A"u8) => ('K', 3),
                _ => (c, 1),
            };
            at += length;
            return folded;
        }

        return -1;
    }
}
