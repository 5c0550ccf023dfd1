using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Turns a YAML node into JSON: plain scalars that look like numbers, booleans or null keep that type, every
/// other scalar is a string. JSON is YAML, so fixtures may be written in either.
/// </summary>
public static partial class YamlJson
{
    /// <summary><paramref name="node"/> as JSON; a <see cref="JsonException"/> when a key of it is no string or is repeated (<see cref="KeyProblem"/>).</summary>
    public static string Convert(YamlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (KeyProblem(node) is { } problem)
        {
            throw new JsonException($"line {problem.Key.Start.Line}, column {problem.Key.Start.Column}: {problem.Problem}");
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, node);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// The first key in <paramref name="node"/> that JSON cannot hold as written, and why: one that is no string, or one that
    /// repeats an earlier key of its mapping (YAML tells <c>!!str maximum</c> from <c>maximum</c>; as JSON they would be two
    /// members <c>maximum</c>, of which readers keep the last). Null when there is none.
    /// </summary>
    public static (YamlNode Key, string Problem)? KeyProblem(YamlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        switch (node)
        {
            case YamlMappingNode map:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in map.Children)
                {
                    if (key is not YamlScalarNode { Value: var name })
                    {
                        return (key, "a key must be a string");
                    }

                    if (!seen.Add(name ?? string.Empty))
                    {
                        return (key, $"duplicate key '{name}'");
                    }

                    if (KeyProblem(value) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case YamlSequenceNode seq:
                foreach (var item in seq.Children)
                {
                    if (KeyProblem(item) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary><paramref name="value"/> as a YAML double-quoted scalar (a JSON string: JSON's escapes are YAML's), for written YAML.</summary>
    public static string Quote(string value) => System.Text.Json.Nodes.JsonValue.Create(value).ToJsonString();

    /// <summary>Parses one YAML (or JSON) document; null when the text is not YAML.</summary>
    public static YamlNode? Parse(string text, out string? error)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            error = $"line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}";
            return null;
        }

        error = stream.Documents.Count == 1 ? null : $"expected one YAML document, found {stream.Documents.Count}";
        return error is null ? stream.Documents[0].RootNode : null;
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.Children)
                {
                    writer.WritePropertyName(((YamlScalarNode)key).Value ?? string.Empty);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                writer.WriteStartArray();
                foreach (var item in seq.Children)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } scalar:
                var text = scalar.Value ?? string.Empty;
                if (text is "true" or "false")
                {
                    writer.WriteBooleanValue(text == "true");
                }
                else if (text is "" or "null" or "~")
                {
                    writer.WriteNullValue();
                }
                else if (Number().IsMatch(text))
                {
                    writer.WriteRawValue(text);
                }
                else
                {
                    writer.WriteStringValue(text);
                }

                break;
            case YamlScalarNode scalar:
                writer.WriteStringValue(scalar.Value);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\z")]
    private static partial Regex Number();
}
