using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// docs/architecture.md stays true to the tree: every file or folder it names in backticks exists
/// (a path relative to the repository root or to proxy/Gateway.Proxy; a bare file name anywhere in
/// the tree), and it names every stage folder.
/// </summary>
public sealed partial class ArchitectureDocumentTests
{
    private static readonly string Document = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "architecture.md"));

    [Fact]
    public void ArchitectureDocument_EveryNamedPath_Exists()
    {
        var named = Paths().ToList();
        var missing = named.Where(static path => !Exists(path)).Distinct(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(named);
        Assert.Empty(missing);
    }

    [Fact]
    public void ArchitectureDocument_NamesEveryStageFolder()
    {
        var stages = Directory.GetDirectories(Path.Combine(RepositoryRoot.Path, "proxy", "Gateway.Proxy"))
            .Select(Path.GetFileName)
            .Where(static name => name is not null && StageFolder().IsMatch(name))
            .ToList();

        Assert.NotEmpty(stages);
        Assert.All(stages, stage => Assert.Contains(stage + "/", Document, StringComparison.Ordinal));
    }

    private static IEnumerable<string> Paths()
    {
        foreach (Match match in CodeSpan().Matches(Document))
        {
            var text = match.Groups[1].Value.Trim();
            if (text.Length == 0 || text.StartsWith('/') || text.Contains(' ', StringComparison.Ordinal) || text.IndexOfAny(['{', '*', '<', '…', '$', '=', '(']) >= 0
                || text.Contains("://", StringComparison.Ordinal))
            {
                continue;
            }

            if (FileName().IsMatch(text) || (text.Contains('/', StringComparison.Ordinal) && text.EndsWith('/')))
            {
                yield return text;
            }
        }
    }

    private static bool Exists(string path)
    {
        var root = RepositoryRoot.Path;
        foreach (var baseDirectory in new[] { root, Path.Combine(root, "proxy", "Gateway.Proxy") })
        {
            var full = Path.Combine(baseDirectory, path);
            if (File.Exists(full) || Directory.Exists(full))
            {
                return true;
            }
        }

        return !path.Contains('/', StringComparison.Ordinal)
            && Directory.EnumerateFiles(root, path, SearchOption.AllDirectories).Any(static file => !file.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
    }

    [GeneratedRegex("`([^`\n]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^[\w./-]+\.(cs|md|yaml|yml|json|sh|mjs|js|py|csproj|props|tpl)$")]
    private static partial Regex FileName();

    [GeneratedRegex(@"^\d+-\w+$")]
    private static partial Regex StageFolder();
}
