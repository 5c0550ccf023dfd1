using System.Text;
using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// Every relative link in README.md and docs/ resolves: its file or folder exists in the repository (never outside it),
/// and its anchor, when it has one, is a heading of the Markdown file it points at (GitHub's heading ids).
/// </summary>
public sealed partial class DocumentLinkTests
{
    public static TheoryData<string> Documents()
    {
        var root = RepositoryRoot.Path;
        var data = new TheoryData<string> { "README.md" };
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Document_EveryRelativeLinkAndAnchor_Resolves(string document)
    {
        var root = Path.GetFullPath(RepositoryRoot.Path);
        var path = Path.Combine(root, document);
        var broken = new List<string>();
        foreach (var (line, target) in Links(File.ReadAllText(path)))
        {
            if (Scheme().IsMatch(target))
            {
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
            var anchor = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, file));
            if (!resolved.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                broken.Add($"{document}:{line}: {target} points outside the repository");
            }
            else if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add($"{document}:{line}: {target} does not exist");
            }
            else if (anchor is { Length: > 0 } && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(resolved)).Contains(anchor))
            {
                broken.Add($"{document}:{line}: {target} names no heading of {Path.GetRelativePath(root, resolved)}");
            }
        }

        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public void Anchors_Headings_AreGitHubIds()
    {
        var anchors = Anchors("# Set up (two commands)\n## `gatewayctl` — the CLI\n## Rotating an agent's secret\n## Set up (two commands)\n```\n# not a heading\n```\n");

        Assert.Equal(["gatewayctl--the-cli", "rotating-an-agents-secret", "set-up-two-commands", "set-up-two-commands-1"], anchors.Order(StringComparer.Ordinal));
    }

    // The links of a Markdown text outside code (fenced blocks and code spans), with their line numbers.
    private static IEnumerable<(int Line, string Target)> Links(string text)
    {
        var fenced = false;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (fenced)
            {
                continue;
            }

            foreach (Match match in Link().Matches(CodeSpan().Replace(raw, string.Empty)))
            {
                yield return (number, match.Groups[1].Value);
            }
        }
    }

    // GitHub's heading ids: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens, repeats numbered.
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var fenced = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            foreach (Match explicitAnchor in HtmlAnchor().Matches(line))
            {
                anchors.Add(explicitAnchor.Groups[1].Value);
            }

            if (fenced || Heading().Match(line) is not { Success: true } heading)
            {
                continue;
            }

            var id = new StringBuilder();
            foreach (var c in heading.Groups[1].Value.Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    id.Append(c);
                }
                else if (c == ' ')
                {
                    id.Append('-');
                }
            }

            var slug = id.ToString();
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }

        return anchors;
    }

    [GeneratedRegex(@"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex Link();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"<a\s+(?:name|id)=""([^""]+)""")]
    private static partial Regex HtmlAnchor();
}
