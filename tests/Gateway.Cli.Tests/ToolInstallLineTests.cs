using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Gateway.Cli.Tests;

/// <summary>The documented <c>dotnet tool install … gatewayctl</c> lines install this checkout's package only: its version, from artifacts/nupkg alone.</summary>
public sealed partial class ToolInstallLineTests
{
    /// <summary>The files that show how to install gatewayctl as a .NET tool.</summary>
    private static readonly string[] Documents = ["docs/cli.md", "Makefile"];

    [Fact]
    public void InstallLines_DocumentedLines_PinVersionAndLocalFeedOnly()
    {
        var root = DocumentedCommandLines.RepositoryRoot;
        var version = PackageVersion(root);
        var lines = Documents
            .SelectMany(document => File.ReadAllLines(Path.Combine(root, document)).Select((text, i) => (Where: $"{document}:{i + 1}", Text: text)))
            .Where(static line => InstallLine().IsMatch(line.Text))
            .ToList();
        Assert.True(lines.Count >= Documents.Length, $"expected an install line in each of {string.Join(", ", Documents)}; found {lines.Count}");
        var failures = lines.SelectMany(line => Problems(line.Text, version, root).Select(problem => $"{line.Where}: `{line.Text.Trim()}`: {problem}")).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Problems_AddSourceWithoutVersion_Refused()
    {
        var root = DocumentedCommandLines.RepositoryRoot;
        var problems = Problems("dotnet tool install -g --add-source ./artifacts/nupkg gatewayctl", PackageVersion(root), root);

        Assert.Contains(problems, static p => p.Contains("--add-source", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.Contains("--version", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.Contains("--configfile", StringComparison.Ordinal));
    }

    /// <summary>gatewayctl's package version, from its project file.</summary>
    private static string PackageVersion(string root) =>
        XDocument.Load(Path.Combine(root, "cli/Gateway.Cli/Gateway.Cli.csproj")).Descendants("Version").Single().Value;

    /// <summary>Why an install line could install some other gatewayctl (nuget.org's, another version); none when it cannot.</summary>
    private static List<string> Problems(string line, string version, string root)
    {
        var command = line[line.IndexOf("dotnet tool", StringComparison.Ordinal)..];
        var comment = command.IndexOf(" #", StringComparison.Ordinal);
        var words = (comment < 0 ? command : command[..comment]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var problems = new List<string>();
        string? After(string option) => Array.IndexOf(words, option) is var i and >= 0 && i + 1 < words.Length ? words[i + 1] : null;
        if (words.Contains("--add-source"))
        {
            problems.Add("--add-source adds the feed to the configured ones (nuget.org): a higher gatewayctl there would win");
        }

        if (After("--version") != version)
        {
            problems.Add($"no --version {version} (the csproj's): any version the feeds hold could be installed");
        }

        if (After("--configfile") is not { } config)
        {
            problems.Add("no --configfile naming a config whose only source is artifacts/nupkg");
        }
        else
        {
            problems.AddRange(ConfigProblems(Path.Combine(root, config), root));
        }

        return problems;
    }

    /// <summary>Why a NuGet config names a source other than artifacts/nupkg (or does not clear the inherited ones).</summary>
    private static IEnumerable<string> ConfigProblems(string path, string root)
    {
        if (!File.Exists(path))
        {
            yield return $"{Path.GetRelativePath(root, path)} does not exist";
            yield break;
        }

        var sources = XDocument.Load(path).Root?.Element("packageSources")?.Elements().ToList() ?? [];
        if (sources.FirstOrDefault()?.Name.LocalName != "clear")
        {
            yield return $"{Path.GetRelativePath(root, path)}'s packageSources do not start with <clear />: nuget.org is inherited";
        }

        var local = Path.GetFullPath(Path.Combine(root, "artifacts/nupkg"));
        var adds = sources.Where(static s => s.Name.LocalName == "add").ToList();
        if (adds.Count == 0)
        {
            yield return $"{Path.GetRelativePath(root, path)} names no source";
        }

        foreach (var add in adds)
        {
            var value = (string?)add.Attribute("value") ?? "";
            var resolved = value.Contains("://", StringComparison.Ordinal) ? value : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, value));
            if (!string.Equals(resolved.TrimEnd('/'), local, StringComparison.Ordinal))
            {
                yield return $"{Path.GetRelativePath(root, path)} names the source {value}, not artifacts/nupkg";
            }
        }
    }

    [GeneratedRegex(@"dotnet tool (?:install|update)\b.*\bgatewayctl\b")]
    private static partial Regex InstallLine();
}
