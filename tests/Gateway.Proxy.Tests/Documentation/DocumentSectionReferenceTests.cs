using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// Every section a source file or document names in prose (<c>docs/mcp.md, "Sessions on the per-server route"</c>) is
/// in that document: a heading it begins, or a passage (a bold lead sentence) it quotes, so that no comment or doc sends
/// its reader to a section that was renamed or moved.
/// </summary>
public sealed partial class DocumentSectionReferenceTests
{
    private static readonly string[] Extensions = [".cs", ".md", ".sh", ".py", ".mjs", ".js", ".yaml", ".tpl", ".txt"];

    [Fact]
    public void Sources_EveryNamedDocumentSection_Exists()
    {
        var root = RepositoryRoot.Path;
        var documents = Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md").ToDictionary(
            static file => Path.GetFileName(file),
            static file => File.ReadAllText(file),
            StringComparer.Ordinal);
        var broken = new List<string>();
        var references = 0;
        foreach (var file in SourceFiles.Under([root], Extensions))
        {
            foreach (Match reference in SectionReference().Matches(File.ReadAllText(file)))
            {
                references++;
                var document = reference.Groups["document"].Value;
                var section = Normalized(reference.Groups["section"].Value);
                var where = $"{Path.GetRelativePath(root, file)}: docs/{document}, \"{section}\"";
                if (!documents.TryGetValue(document, out var text))
                {
                    broken.Add(where + ": no such document");
                }
                else if (!Heading().Matches(text).Any(h => Normalized(h.Groups[1].Value).StartsWith(section, StringComparison.Ordinal))
                    && !Normalized(text.Replace("**", string.Empty, StringComparison.Ordinal)).Contains(section, StringComparison.Ordinal))
                {
                    broken.Add(where + ": no such heading or passage");
                }
            }
        }

        Assert.True(references > 0, "no section references found: the pattern no longer matches how sources cite docs");
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    // Lower case, one space between words, comment markers of continued lines removed.
    private static string Normalized(string text) =>
        Whitespace().Replace(ContinuedLine().Replace(text, " "), " ").Trim().ToLowerInvariant();

    [GeneratedRegex(@"docs/(?<document>[a-z0-9-]+\.md),?\s+[""“](?<section>[^""”]{3,200})[""”]")]
    private static partial Regex SectionReference();

    [GeneratedRegex(@"^#+\s+(.*)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\n\s*(///|//|#|\*)?")]
    private static partial Regex ContinuedLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
