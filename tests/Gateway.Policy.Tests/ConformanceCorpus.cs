using System.Collections.Concurrent;
using Gateway.Policy.Bundles;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Tests;

/// <summary>Reads the data-driven cases under Conformance/ (copied to the output directory).</summary>
internal static class ConformanceCorpus
{
    private static readonly ConcurrentDictionary<string, TenantPolicy> Bundles = new();

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Conformance");

    public static IEnumerable<(string File, string Bundle, YamlMappingNode Case)> DecisionCases()
    {
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.cases.yaml").Order(StringComparer.Ordinal))
        {
            var root = Load(file);
            if (!root.Children.TryGetValue(new YamlScalarNode("cases"), out var cases))
            {
                continue;
            }

            var bundle = YamlToJson.Text(root.Children[new YamlScalarNode("bundle")]);
            foreach (YamlMappingNode item in ((YamlSequenceNode)cases).Children)
            {
                yield return (Path.GetFileName(file), bundle, item);
            }
        }
    }

    public static IEnumerable<YamlMappingNode> InvalidBundleCases()
    {
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.cases.yaml").Order(StringComparer.Ordinal))
        {
            var root = Load(file);
            if (root.Children.TryGetValue(new YamlScalarNode("invalid"), out var cases))
            {
                foreach (YamlMappingNode item in ((YamlSequenceNode)cases).Children)
                {
                    yield return item;
                }
            }
        }
    }

    public static TenantPolicy Bundle(string name) => Bundles.GetOrAdd(name, static n =>
    {
        var dir = Path.Combine(Directory, "bundles");
        var result = PolicyBundleLoader.LoadTenantText(n + ".yaml", File.ReadAllText(Path.Combine(dir, n + ".yaml")), dir);
        return result.Tenant ?? throw new InvalidOperationException(string.Join(Environment.NewLine, result.Errors));
    });

    public static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(file)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
