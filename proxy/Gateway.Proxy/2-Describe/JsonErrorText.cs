using System.Globalization;
using System.Text.Json;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Says what is wrong with a body that <see cref="System.Text.Json"/> refused, for the agent's developer: the JSON
/// path, the line and byte (both from 1) where it went wrong, and what went wrong (a missing member by its name, an
/// unknown member, a value of the wrong type, broken JSON), never a .NET type name.
/// </summary>
internal static class JsonErrorText
{
    private const string MissingRequired = "missing required properties including: ";
    private const string Unmapped = "The JSON property '";

    /// <summary>
    /// One sentence: "The body is not valid for this route at $.args (line 1, byte 12): what is wrong." The path is the
    /// exception's, else (a parse error, which carries none) where a reader of <paramref name="body"/> stopped.
    /// </summary>
    public static string Describe(JsonException ex, ReadOnlySpan<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var path = RefusalText.Truncate(ex.Path is { Length: > 0 } p ? p : PathWhereReadingStops(body));
        var where = ex.LineNumber is { } line && ex.BytePositionInLine is { } position
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {position + 1})")
            : string.Empty;
        return $"The body is not valid for this route at {path}{where}: {What(ex.Message)}";
    }

    // The reason, from the message less its own path and position suffix, with .NET type names left out.
    private static string What(string message)
    {
        if (message.IndexOf(MissingRequired, StringComparison.Ordinal) is var missing and >= 0)
        {
            var names = message[(missing + MissingRequired.Length)..].Split(['.', ' '], 2)[0].TrimEnd(',');
            return $"the required member {RefusalText.Truncate(names)} is missing.";
        }

        if (message.StartsWith(Unmapped, StringComparison.Ordinal) && message.IndexOf('\'', Unmapped.Length) is var end and > 0)
        {
            return $"unknown member '{RefusalText.Truncate(message[Unmapped.Length..end])}'.";
        }

        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return "the value is not of the type this member takes.";
        }

        var cut = message.Length;
        foreach (var suffix in new[] { " Path:", " LineNumber:" })
        {
            if (message.IndexOf(suffix, StringComparison.Ordinal) is var at and >= 0)
            {
                cut = Math.Min(cut, at);
            }
        }

        var reason = message[..cut].Trim();
        return reason.Length == 0 ? "not JSON." : RefusalText.Truncate(char.ToLowerInvariant(reason[0]) + reason[1..], 160);
    }

    // The JSON path of the last member or item a strict reader reached before the body stopped being JSON.
    private static string PathWhereReadingStops(ReadOnlySpan<byte> body)
    {
        var frames = new List<(bool Array, int Index, string? Name)>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = JsonText.RequestBodyDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String && !JsonText.IsText(reader.ValueSpan))
                {
                    // A string that is not text (JsonText): reading stops at it.
                    break;
                }

                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    frames[^1] = frames[^1] with { Name = reader.GetString() };
                    continue;
                }

                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    frames.RemoveAt(frames.Count - 1);
                    continue;
                }

                if (frames.Count > 0 && frames[^1].Array)
                {
                    frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    frames.Add((reader.TokenType == JsonTokenType.StartArray, -1, null));
                }
            }
        }
        catch (JsonException)
        {
            // Where it stopped: the frames as they are.
        }

        var path = new System.Text.StringBuilder("$");
        foreach (var (array, index, name) in frames)
        {
            if (array && index >= 0)
            {
                path.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else if (!array && name is not null)
            {
                path.Append(name.All(static c => char.IsLetterOrDigit(c) || c == '_') ? "." + name : "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']");
            }
        }

        return path.ToString();
    }
}
