using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Tests;

/// <summary>Turns a YAML node of a conformance case into JSON (plain scalars that look like numbers/booleans/null keep their type).</summary>
internal static partial class YamlToJson
{
    public static string Convert(YamlNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, node);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.Children)
                {
                    writer.WritePropertyName(((YamlScalarNode)key).Value!);
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
            case YamlScalarNode scalar when scalar.Style == ScalarStyle.Plain:
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
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex Number();

    public static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? string.Empty;

    public static int Int(YamlNode node) => int.Parse(Text(node), CultureInfo.InvariantCulture);
}
