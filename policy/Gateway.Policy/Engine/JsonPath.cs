using System.Text.Json;

namespace Gateway.Policy;

/// <summary>
/// The JSON path subset rules use: <c>$</c>, then any of <c>.name</c> and <c>[index]</c>
/// (e.g. <c>$.to</c>, <c>$.items[0].sku</c>). Resolution does not allocate.
/// </summary>
internal static class JsonPath
{
    /// <summary>True when <paramref name="path"/> is in the supported syntax.</summary>
    public static bool IsValid(string path) => Walk(path, default, resolve: false, out _);

    public static bool TryResolve(JsonElement root, string path, out JsonElement value) => Walk(path, root, resolve: true, out value);

    private static bool Walk(string path, JsonElement current, bool resolve, out JsonElement value)
    {
        value = default;
        if (path.Length == 0 || path[0] != '$')
        {
            return false;
        }

        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && path[i] != '.' && path[i] != '[')
                {
                    i++;
                }

                if (i == start)
                {
                    return false;
                }

                if (resolve && (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(path.AsSpan(start, i - start), out current)))
                {
                    return false;
                }
            }
            else if (path[i] == '[')
            {
                var start = ++i;
                while (i < path.Length && char.IsAsciiDigit(path[i]))
                {
                    i++;
                }

                if (i == start || i >= path.Length || path[i] != ']')
                {
                    return false;
                }

                var index = int.Parse(path.AsSpan(start, i - start), System.Globalization.CultureInfo.InvariantCulture);
                i++;
                if (resolve)
                {
                    if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength())
                    {
                        return false;
                    }

                    current = current[index];
                }
            }
            else
            {
                return false;
            }
        }

        value = current;
        return !resolve || current.ValueKind != JsonValueKind.Undefined;
    }
}
