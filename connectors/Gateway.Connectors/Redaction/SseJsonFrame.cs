using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// An object or array open while <see cref="SseJsonData"/> reads an event: where its path ends and, for an object, the
/// members that name the element or item it is (its stream key: an array element's <c>index</c>, the Responses API's
/// <c>item_id</c>, <c>output_index</c>, <c>content_index</c>, <c>summary_index</c>) or say that it is finished (a
/// <c>finish_reason</c>, a <c>type</c> ending in <c>.done</c>).
/// </summary>
internal struct SseJsonFrame(bool isArray, int pathLength)
{
    // The members that name an element or item, in the order a key lists them; the first, index, only an array element's.
    private static readonly string[] IdentityNames = ["index", "item_id", "output_index", "content_index", "summary_index"];

    private Identities _identities;

    public bool IsArray { get; } = isArray;

    /// <summary>The length of the container's own path; its members and elements extend it.</summary>
    public int PathLength { get; } = pathLength;

    /// <summary>The elements of an array so far.</summary>
    public int Count { get; set; }

    /// <summary>For an array's element, the length of the array's path; else -1.</summary>
    public int ArrayPathLength { get; init; }

    /// <summary>How many values had been found when the container began.</summary>
    public int FoundStart { get; init; }

    /// <summary>How many finished prefixes had been found when the container began.</summary>
    public int CompletedStart { get; init; }

    /// <summary>Whether the object says its element or item is finished.</summary>
    public bool Done { get; private set; }

    /// <summary>Whether the object names the element or item it is.</summary>
    public bool HasIdentity { get; private set; }

    /// <summary>Whether a member of this name is one <see cref="Note"/> reads.</summary>
    public static bool IsIdentityMember(string name) => name is "finish_reason" or "type" || Array.IndexOf(IdentityNames, name) >= 0;

    /// <summary>Reads the value of the member <paramref name="name"/> on a copy of the reader (it stays where it is).</summary>
    public void Note(string name, Utf8JsonReader value)
    {
        if (!value.Read())
        {
            return;
        }

        if (name == "finish_reason")
        {
            Done |= value.TokenType == JsonTokenType.String;
        }
        else if (name == "type")
        {
            Done |= value.TokenType == JsonTokenType.String && value.ValueSpan.EndsWith(".done"u8);
        }
        else if (Array.IndexOf(IdentityNames, name) is var slot and >= 0 && (slot > 0 || ArrayPathLength >= 0))
        {
            _identities[slot] = Identity(ref value);
            HasIdentity |= _identities[slot] is not null;
        }
    }

    /// <summary>
    /// The object's stream key, from <paramref name="path"/> (the positional path being read): an element's position
    /// replaced by its <c>index</c>, the Responses API's members appended in a fixed order (<c>{output_index=1}</c>).
    /// </summary>
    public readonly string Key(ReadOnlySpan<char> path)
    {
        var element = ArrayPathLength >= 0 && _identities[0] is not null;
        var key = new StringBuilder().Append(path[..(element ? ArrayPathLength : PathLength)]);
        if (element)
        {
            key.Append('[').Append(_identities[0]).Append(']');
        }

        for (var slot = 1; slot < IdentityNames.Length; slot++)
        {
            if (_identities[slot] is { } identity)
            {
                key.Append('{').Append(IdentityNames[slot]).Append('=').Append(identity).Append('}');
            }
        }

        return key.ToString();
    }

    // An integer as its digits, any other number or a string as the JSON spells it (a string quoted): never two values alike.
    private static string? Identity(ref Utf8JsonReader value) => value.TokenType switch
    {
        JsonTokenType.Number when value.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
        JsonTokenType.Number => Encoding.UTF8.GetString(value.ValueSpan),
        JsonTokenType.String => $"\"{Encoding.UTF8.GetString(value.ValueSpan)}\"",
        _ => null,
    };

    [InlineArray(5)]
    private struct Identities
    {
        private string? _first;
    }
}
