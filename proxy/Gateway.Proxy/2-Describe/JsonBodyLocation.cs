using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>One step of a JSON path: a member's name, or an array item's index.</summary>
internal readonly record struct JsonStep(string? Name, int Index)
{
    public static implicit operator JsonStep(string name) => new(name, -1);

    public static implicit operator JsonStep(int index) => new(null, index);
}

/// <summary>
/// Says what is wrong with a member of a body already parsed (read member by member, not by the serializer) in
/// <see cref="JsonErrorText"/>'s words: "The body is not valid for this route at $.args (line 1, byte 35): what is
/// wrong." The line and byte (both from 1) are where the member's value begins, or, for a member that is missing, just
/// past the end of the object it is missing from (where the serializer says a required member is missing).
/// </summary>
internal static class JsonBodyLocation
{
    /// <summary>What is wrong with the value at <paramref name="path"/> (a member's, or an array item's).</summary>
    public static string At(ReadOnlySpan<byte> body, string what, params ReadOnlySpan<JsonStep> path) =>
        Describe(body, what, path, missing: false);

    /// <summary>The member <paramref name="member"/> is missing from the object at <paramref name="path"/>.</summary>
    public static string Missing(ReadOnlySpan<byte> body, string member, string? takes = null, params ReadOnlySpan<JsonStep> path) =>
        Describe(body, $"the required member '{member}'{(takes is null ? string.Empty : $" ({takes})")} is missing.", path, missing: true);

    /// <summary>A member of the object at <paramref name="path"/> that the route does not know.</summary>
    public static string Unknown(ReadOnlySpan<byte> body, string member, params ReadOnlySpan<JsonStep> path)
    {
        Span<JsonStep> full = new JsonStep[path.Length + 1];
        path.CopyTo(full);
        full[^1] = member;
        return Describe(body, $"unknown member '{RefusalText.Truncate(member)}'.", full, missing: false);
    }

    /// <summary>
    /// The serializer's refusal of a document rebuilt from the body's own members, said at the same path in the body (the
    /// rebuilt document's line and byte are not the body's); without a position when the body has no such path.
    /// </summary>
    public static string Relocated(ReadOnlySpan<byte> body, JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var path = ex.Path is { Length: > 0 } p ? p : "$";
        var described = JsonErrorText.Describe(new JsonException(ex.Message, path, null, null));
        var marker = $" at {RefusalText.Truncate(path)}: ";
        var at = described.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 && Steps(path) is { } steps && Offset(body, steps, missing: false) is { } offset
            ? described.Insert(at + marker.Length - 2, Position(body, offset))
            : described;
    }

    private static string Describe(ReadOnlySpan<byte> body, string what, ReadOnlySpan<JsonStep> path, bool missing)
    {
        var where = Offset(body, path, missing) is { } offset ? Position(body, offset) : string.Empty;
        return $"The body is not valid for this route at {RefusalText.Truncate(PathText(path))}{where}: {what}";
    }

    // The byte offset of the value at path (missing: just past its object's end); null when the body has no such place.
    private static int? Offset(ReadOnlySpan<byte> body, ReadOnlySpan<JsonStep> path, bool missing)
    {
        var frames = new List<(bool Array, int Index, string? Name)>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = JsonText.RequestBodyDepth });
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (token == JsonTokenType.PropertyName)
                {
                    frames[^1] = frames[^1] with { Name = reader.GetString() };
                    continue;
                }

                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    if (missing && token == JsonTokenType.EndObject && frames.Count == path.Length + 1 && Matches(frames, path))
                    {
                        return (int)reader.TokenStartIndex + 1;
                    }

                    frames.RemoveAt(frames.Count - 1);
                    continue;
                }

                if (frames.Count > 0 && frames[^1].Array)
                {
                    frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
                }

                if (!missing && frames.Count == path.Length && Matches(frames, path))
                {
                    return (int)reader.TokenStartIndex;
                }

                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    frames.Add((token == JsonTokenType.StartArray, -1, null));
                }
            }
        }
        catch (JsonException)
        {
            // Not the body that was parsed: no position.
        }

        return null;
    }

    // Whether the frames' current steps are the path's first steps.
    private static bool Matches(List<(bool Array, int Index, string? Name)> frames, ReadOnlySpan<JsonStep> path)
    {
        for (var i = 0; i < path.Length; i++)
        {
            var (array, index, name) = frames[i];
            if (array ? path[i].Name is not null || path[i].Index != index : path[i].Name != name)
            {
                return false;
            }
        }

        return true;
    }

    // " (line L, byte B)", both from 1: a JSON text's line breaks are its line feeds (a string holds none unescaped).
    private static string Position(ReadOnlySpan<byte> body, int offset)
    {
        var before = body[..Math.Min(offset, body.Length)];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        return string.Create(CultureInfo.InvariantCulture, $" (line {line}, byte {offset - lineStart + 1})");
    }

    // The steps of a serializer's JSON path ($.a.b[0]['c d']); null for one it does not write that way.
    private static JsonStep[]? Steps(string path)
    {
        var steps = new List<JsonStep>();
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                steps.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['", StringComparison.Ordinal) && path.IndexOf("']", i + 2, StringComparison.Ordinal) is var close and > 0)
            {
                steps.Add(path[(i + 2)..close].Replace("\\'", "'", StringComparison.Ordinal));
                i = close + 2;
            }
            else if (path[i] == '[' && path.IndexOf(']', i) is var bracket and > 0
                && int.TryParse(path.AsSpan(i + 1, bracket - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                steps.Add(index);
                i = bracket + 1;
            }
            else
            {
                return null;
            }
        }

        return path.StartsWith('$') ? [.. steps] : null;
    }

    private static string PathText(ReadOnlySpan<JsonStep> path)
    {
        var text = new StringBuilder("$");
        foreach (var step in path)
        {
            if (step.Name is not { } name)
            {
                text.Append('[').Append(step.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                text.Append(name.Length > 0 && name.All(static c => char.IsLetterOrDigit(c) || c == '_')
                    ? "." + name
                    : "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']");
            }
        }

        return text.ToString();
    }
}
