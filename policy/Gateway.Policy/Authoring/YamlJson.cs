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
    public static string Convert(YamlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, node);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
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
