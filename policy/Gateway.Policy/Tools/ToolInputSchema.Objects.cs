using System.Text;
using System.Text.Json;

namespace Gateway.Policy.Tools;

/// <summary>An object's members against the schema's <c>properties</c>, <c>required</c> and <c>additionalProperties</c>.</summary>
public static partial class ToolInputSchema
{
    /// <summary>The longest member name a path shows whole; a longer one is cut (<c>…</c>), so no path grows with the names sent.</summary>
    internal const int ShownNameLength = 64;

    // Objects of up to this many members compare each member with each property; a larger one looks its members up by folded name.
    private const int SmallObject = 16;

    /// <summary>The path of the member <paramref name="name"/> of the object at <paramref name="path"/>, a long name cut.</summary>
    internal static string Member(string path, string name)
    {
        if (name.Length <= ShownNameLength)
        {
            return path + "." + name;
        }

        var cut = char.IsHighSurrogate(name[ShownNameLength - 1]) ? ShownNameLength - 1 : ShownNameLength;
        return string.Concat(path, ".", name.AsSpan(0, cut), "…");
    }

    // A member is the property its name matches as rule paths match names (JsonPath.NameMatches: in any case, without `_`
    // and `-`), as a case-folding upstream (ASP.NET Core, Go's encoding/json) binds it: `AMOUNT` is checked against
    // `amount`'s schema. One that matches a property only so is not among the properties as spelled: additionalProperties
    // holds for it too (false refuses it). A large object's members are found by folded name (Fold), each once, never
    // compared with every property or required name in turn.
    private static void ValidateObject(JsonElement root, JsonElement schema, JsonElement value, string path, int depth, ValidationErrors errors)
    {
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var large = value.GetPropertyCount() > SmallObject;
        if (schema.TryGetProperty("required", out var required))
        {
            var present = large ? value.EnumerateObject().Select(static m => Fold(m.Name)).ToHashSet(StringComparer.Ordinal) : null;
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!)
                .Where(n => present is null ? !value.EnumerateObject().Any(m => JsonPath.NameMatches(m, n)) : !present.Contains(Fold(n)))
                .TakeWhile(_ => !errors.Full))
            {
                errors.Add($"{path}.{name}: required");
            }
        }

        var byFold = large && properties.ValueKind == JsonValueKind.Object ? ByFold(properties) : null;
        var additional = schema.TryGetProperty("additionalProperties", out var a) ? a : default;
        foreach (var member in value.EnumerateObject())
        {
            if (errors.Full)
            {
                return;
            }

            var at = Member(path, member.Name);
            var exact = false;
            string? folded = null;
            if (byFold is not null)
            {
                foreach (var property in byFold.GetValueOrDefault(Fold(member.Name)) ?? [])
                {
                    Match(property);
                }
            }
            else if (properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    Match(property);
                }
            }

            if (exact)
            {
                continue;
            }

            if (additional.ValueKind is JsonValueKind.False)
            {
                errors.Add(folded is null ? $"{at}: not an argument this tool takes" : $"{at}: not an argument this tool takes (it takes '{folded}', spelled so)");
            }
            else if (additional.ValueKind is JsonValueKind.Object)
            {
                ValidateValue(root, additional, member.Value, at, depth + 1, errors);
            }

            void Match(JsonProperty property)
            {
                if (JsonPath.NameMatches(member, property.Name))
                {
                    exact |= property.NameEquals(member.Name);
                    folded ??= property.Name;
                    ValidateValue(root, property.Value, member.Value, at, depth + 1, errors);
                }
            }
        }
    }

    /// <summary>The errors a validation has found, up to its limit; once full, the walk stops.</summary>
    private sealed class ValidationErrors(int limit)
    {
        private readonly List<string> _found = [];

        /// <summary>The errors found, at most the limit.</summary>
        public IReadOnlyList<string> Found => _found;

        /// <summary>True once the limit is reached: nothing more is looked for.</summary>
        public bool Full => _found.Count >= limit;

        /// <summary>Adds an error unless the limit is reached.</summary>
        public void Add(string error)
        {
            if (!Full)
            {
                _found.Add(error);
            }
        }
    }

    // The properties by folded name, each list in the schema's order.
    private static Dictionary<string, List<JsonProperty>> ByFold(JsonElement properties)
    {
        var byFold = new Dictionary<string, List<JsonProperty>>(StringComparer.Ordinal);
        foreach (var property in properties.EnumerateObject())
        {
            var key = Fold(property.Name);
            if (!byFold.TryGetValue(key, out var same))
            {
                byFold[key] = same = [];
            }

            same.Add(property);
        }

        return byFold;
    }

    // A name as JsonPath.NameMatches compares it: `_` and `-` dropped, each other character upper-cased (the Kelvin sign as
    // K). Two names it matches fold alike; a lookup by fold is then confirmed with NameMatches itself.
    private static string Fold(string name)
    {
        var folded = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is not ('_' or '-'))
            {
                folded.Append(c == '\u212A' ? 'K' : char.ToUpperInvariant(c));
            }
        }

        return folded.ToString();
    }
}
