using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Tests;

/// <summary>Reads YAML nodes of a conformance case (JSON conversion is the production <see cref="Gateway.Policy.Authoring.YamlJson"/>).</summary>
internal static class YamlToJson
{
    public static string Convert(YamlNode node) => Gateway.Policy.Authoring.YamlJson.Convert(node);

    public static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? string.Empty;

    public static int Int(YamlNode node) => int.Parse(Text(node), CultureInfo.InvariantCulture);
}
