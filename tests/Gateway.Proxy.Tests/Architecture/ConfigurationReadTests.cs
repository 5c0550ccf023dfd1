using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// Configuration is read through options classes only: bound from their section, validated at start-up with a message that
/// names the key (<c>AddOptions&lt;T&gt;().Bind(...).ValidateOnStart()</c>, or before the container exists
/// <c>GetSection(...).Get&lt;T&gt;()</c> and the same validator). No source file of proxy/, store/ or connectors/ reads a
/// key raw: an indexer read (<c>configuration["…"]</c>, <c>section["…"]</c>), <c>GetValue</c> or <c>GetSection(…).Value</c>.
/// Writing a default into the configuration (<c>configuration["…"] = …</c>) is no read.
/// </summary>
public sealed partial class ConfigurationReadTests
{
    private static readonly string[] Trees = ["proxy", "store", "connectors"];

    [Fact]
    public void SourceTree_ReadsConfigurationOnlyThroughOptions()
    {
        var reads = new List<string>();
        foreach (var tree in Trees)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, tree), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/');
                if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
                {
                    continue;
                }

                reads.AddRange(RawReads(File.ReadAllText(file)).Select(line => $"{relative}:{line}"));
            }
        }

        Assert.True(reads.Count == 0, "Configuration read raw, not through a validated options class:" + Environment.NewLine + string.Join(Environment.NewLine, reads));
    }

    [Fact]
    public void RawReads_PlantedReads_AreReported()
    {
        const string Planted = """
            internal static class Planted
            {
                public static string? Kind(IConfiguration configuration) => configuration["Gateway:Store:Kind"];
                public static bool Inline(IConfiguration configuration) => configuration.GetValue("Gateway:Store:CompleteWaitersInline", true);
                public static int Port(IConfiguration config) => config.GetValue<int>("Gateway:Metrics:Port");
                public static string? Host(IConfigurationSection section) => section["Host"];
                public static string? Origin(IConfiguration configuration) => configuration.GetSection("Gateway:Console:PublicOrigin").Value;
                public static string? Urls(WebApplicationBuilder builder) => builder.Configuration[$"urls"];
            }
            """;

        int[] lines = [3, 4, 5, 6, 7, 8];
        Assert.Equal(lines, RawReads(Planted).Select(static line => int.Parse(line.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void RawReads_WritesBindingsAndComments_AreNotReported()
    {
        const string Clean = """
            internal static class Clean
            {
                // configuration["Gateway:Store:Kind"] in a comment
                public static void Default(IConfiguration configuration) => configuration["Gateway:Audit:Sink"] = "file";
                public static Options Bound(IConfiguration configuration) => configuration.GetSection(Options.SectionName).Get<Options>()!;
                public static string? Json(JsonNode node) => node["id"]?.GetValue<string>();
                public static object Cached(ConditionalWeakTable<object, object> cache, object key) => cache.GetValue(key, static k => k);
                private const string Note = "configuration[\"x\"] and GetValue(\"y\")";
            }
            """;

        Assert.Empty(RawReads(Clean));
    }

    /// <summary>Each raw read of <paramref name="source"/>'s code, as <c>line: text</c>.</summary>
    private static IEnumerable<string> RawReads(string source)
    {
        var lines = source.Split('\n');
        var code = CommentOrString().Replace(source, static match => (match.Value.StartsWith('/') ? " " : "\"\"") + new string('\n', match.Value.AsSpan().Count('\n')));
        foreach (Match match in RawRead().Matches(code))
        {
            var line = code.AsSpan(0, match.Index).Count('\n');
            yield return $"{line + 1}: {lines[line].Trim()}";
        }
    }

    /// <summary>Comments and literals (as <see cref="ProxyFolders.CodeOf"/> blanks them; here each keeps its line breaks).</summary>
    [GeneratedRegex(@"//[^\n]*|/\*[\s\S]*?\*/|""""""[\s\S]*?""""""|@""(?:""""|[^""])*""|""(?:\\.|[^""\\\n])*""|'(?:\\.|[^'\\\n])'")]
    private static partial Regex CommentOrString();

    /// <summary>
    /// An indexer read of a configuration or section (not an assignment), a <c>GetValue</c> on one or with a key literal,
    /// or <c>GetSection(…).Value</c>. Comments and literals are blanked first.
    /// </summary>
    [GeneratedRegex(@"(?:\b\w*[cC]onfiguration|\bconfig|\bsection)\s*\[[^\]\n]*\](?!\s*=[^=>])|(?:\b\w*[cC]onfiguration|\bconfig|\bsection)\s*\.\s*GetValue\b|\.GetValue\s*(?:<[^<>()]*>)?\s*\(\s*\$?""|\bGetSection\s*\([^()\n]*\)\s*\.\s*Value\b")]
    private static partial Regex RawRead();
}
