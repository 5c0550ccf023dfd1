using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Gateway.Policy;

/// <summary>
/// The JSON path subset rules use: <c>$</c>, then any of <c>.name</c> and <c>[index]</c>
/// (e.g. <c>$.to</c>, <c>$.items[0].sku</c>). Resolution does not allocate for ASCII member names.
/// </summary>
internal static class JsonPath
{
    /// <summary>True when <paramref name="path"/> is in the supported syntax.</summary>
    public static bool IsValid(string path)
    {
        if (path.Length == 0 || path[0] != '$')
        {
            return false;
        }

        var i = 1;
        while (i < path.Length)
        {
            var step = path[i];
            var start = ++i;
            if (step == '.')
            {
                while (i < path.Length && path[i] != '.' && path[i] != '[')
                {
                    i++;
                }

                if (i == start)
                {
                    return false;
                }
            }
            else if (step == '[')
            {
                while (i < path.Length && char.IsAsciiDigit(path[i]))
                {
                    i++;
                }

                if (i == start || i >= path.Length || path[i] != ']' || !int.TryParse(path.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return false;
                }

                i++;
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether any value <paramref name="path"/> names in <paramref name="root"/> passes <paramref name="test"/>. A
    /// member is found by its name in any case, every such member when there are several: an upstream that binds names
    /// case-insensitively (ASP.NET Core's web defaults, Go's <c>encoding/json</c>) reads <c>To</c> as <c>to</c>.
    /// </summary>
    public static bool AnyResolved<TState>(JsonElement root, string path, TState state, Func<TState, JsonElement, bool> test)
    {
        var resolved = false;
        return path.Length > 0 && path[0] == '$' && Any(path, 1, root, state, test, ref resolved);
    }

    /// <summary>Whether <paramref name="path"/> names at least one value in <paramref name="root"/> and every value it names passes <paramref name="test"/> (one walk; names matched as <see cref="AnyResolved"/> matches them).</summary>
    public static bool EveryResolved<TState>(JsonElement root, string path, TState state, Func<TState, JsonElement, bool> test)
    {
        var resolved = false;
        return path.Length > 0 && path[0] == '$'
            && !Any(path, 1, root, (state, test), static (outer, value) => !outer.test(outer.state, value), ref resolved)
            && resolved;
    }

    private static bool Any<TState>(string path, int i, JsonElement current, TState state, Func<TState, JsonElement, bool> test, ref bool resolved)
    {
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && path[i] != '.' && path[i] != '[')
                {
                    i++;
                }

                if (i == start || current.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }

                foreach (var member in current.EnumerateObject())
                {
                    if (NameMatches(member, path.AsSpan(start, i - start)) && Any(path, i, member.Value, state, test, ref resolved))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (path[i] != '[')
            {
                return false;
            }

            var digits = ++i;
            while (i < path.Length && char.IsAsciiDigit(path[i]))
            {
                i++;
            }

            if (i == digits || i >= path.Length || path[i] != ']' || current.ValueKind != JsonValueKind.Array
                || !int.TryParse(path.AsSpan(digits, i - digits), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || index >= current.GetArrayLength())
            {
                return false;
            }

            current = current[index];
            i++;
        }

        if (current.ValueKind == JsonValueKind.Undefined)
        {
            return false;
        }

        resolved = true;
        return test(state, current);
    }

    // A member's name against a path's as a lenient binder matches them: in any case, and without the `_` and `-` that
    // proto3 JSON readers and case-folding binders skip (`$.account_id` reads `accountId`). ASCII compared on the raw
    // bytes; anything else (an escape, a non-ASCII letter) on the decoded name, each character upper-cased with the Kelvin
    // sign read as K (Go's folding also reads it, and the long s, which upper-cases to S, as those letters).
    internal static bool NameMatches(JsonProperty member, ReadOnlySpan<char> name)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(member);
        if (raw.IndexOf((byte)'\\') < 0 && Ascii.IsValid(raw) && Ascii.IsValid(name))
        {
            return Ascii.EqualsIgnoreCase(raw, name)
                || ((raw.IndexOfAny((byte)'_', (byte)'-') >= 0 || name.IndexOfAny('_', '-') >= 0) && SeparatorsSkippedEqual(raw, name));
        }

        var decoded = member.Name.AsSpan();
        int i = 0, k = 0;
        while (true)
        {
            i = Skip(decoded, i);
            k = Skip(name, k);
            if (i == decoded.Length || k == name.Length)
            {
                return i == decoded.Length && k == name.Length;
            }

            if (Folded(decoded[i++]) != Folded(name[k++]))
            {
                return false;
            }
        }
    }

    // ASCII bytes against ASCII characters, in any case, `_` and `-` skipped on both sides.
    private static bool SeparatorsSkippedEqual(ReadOnlySpan<byte> raw, ReadOnlySpan<char> name)
    {
        int i = 0, k = 0;
        while (true)
        {
            while (i < raw.Length && raw[i] is (byte)'_' or (byte)'-')
            {
                i++;
            }

            k = Skip(name, k);
            if (i == raw.Length || k == name.Length)
            {
                return i == raw.Length && k == name.Length;
            }

            if (char.ToUpperInvariant((char)raw[i++]) != char.ToUpperInvariant(name[k++]))
            {
                return false;
            }
        }
    }

    private static int Skip(ReadOnlySpan<char> text, int at)
    {
        while (at < text.Length && text[at] is '_' or '-')
        {
            at++;
        }

        return at;
    }

    private static char Folded(char c) => c == '\u212A' ? 'K' : char.ToUpperInvariant(c);
}
