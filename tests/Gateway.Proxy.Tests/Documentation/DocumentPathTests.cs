using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// A Markdown path a document names in code (<c>`docs/sdk.md`</c>) is a file of the repository, from its root or from the
/// document's folder: never a path outside it (a checkout holds no <c>shared/spec/</c>), so a reader can open it.
/// </summary>
public sealed partial class DocumentPathTests
{
    [Fact]
    public void Documents_EveryMarkdownPathInCode_IsInTheRepository()
    {
        var root = Path.GetFullPath(RepositoryRoot.Path);
        var documents = Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Prepend(Path.Combine(root, "README.md"));
        var broken = new List<string>();
        var named = 0;
        foreach (var document in documents)
        {
            foreach (Match match in MarkdownPath().Matches(File.ReadAllText(document)))
            {
                named++;
                var path = match.Groups["path"].Value;
                var candidates = new[] { Path.Combine(root, path.TrimStart('/')), Path.Combine(Path.GetDirectoryName(document)!, path) }.Select(Path.GetFullPath);
                if (path.StartsWith('/') || !candidates.Any(c => c.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(c)))
                {
                    broken.Add($"{Path.GetRelativePath(root, document)}: `{path}`");
                }
            }
        }

        Assert.True(named > 0, "no Markdown path in code found: is the pattern broken?");
        Assert.True(broken.Count == 0, "Markdown paths in code that are not files of the repository:\n" + string.Join('\n', broken));
    }

    // A code span that is one path with a folder in it, ending in .md (an anchor allowed).
    [GeneratedRegex(@"`(?<path>[^`\s]*/[^`\s]*\.md)(?:#[^`\s]*)?`")]
    private static partial Regex MarkdownPath();
}
