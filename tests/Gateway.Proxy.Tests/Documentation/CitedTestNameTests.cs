using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// Every test README.md and docs/ name as proof (<c>`Method_Scenario`</c>, <c>`FooTests.Method_Scenario`</c>,
/// <c>`FooTests`</c>) is one the test sources (tests/, sdk/) still have: a renamed or removed test leaves no claim behind
/// that nothing proves. Names written as prefixes or patterns (<c>…</c>, <c>*</c>, <c>{a,b}</c>) are not checked.
/// </summary>
public sealed partial class CitedTestNameTests
{
    private static readonly Lazy<HashSet<string>> TestIdentifiers = new(ReadTestIdentifiers);

    public static TheoryData<string> Documents() => DocumentLinkTests.Documents();

    [Theory]
    [MemberData(nameof(Documents))]
    public void Document_EveryCitedTest_Exists(string document)
    {
        var missing = new List<string>();
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, document));
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (Match quoted in Quoted().Matches(lines[i]))
            {
                var name = Arguments().Replace(quoted.Groups[1].Value, string.Empty);
                foreach (var part in CitedParts(name))
                {
                    if (!TestIdentifiers.Value.Contains(part))
                    {
                        missing.Add($"{document}:{i + 1}: `{quoted.Groups[1].Value}` names no test ({part})");
                    }
                }
            }
        }

        Assert.True(missing.Count == 0, string.Join('\n', missing));
    }

    // The class and method a quoted name cites as a test, or nothing when it is not a test's name.
    private static IEnumerable<string> CitedParts(string name)
    {
        if (name.Contains("__", StringComparison.Ordinal))
        {
            yield break;
        }

        if (MethodName().Match(name) is { Success: true } method)
        {
            if (method.Groups["class"].Success)
            {
                yield return method.Groups["class"].Value;
            }

            yield return method.Groups["method"].Value;
        }
        else if (ClassName().IsMatch(name))
        {
            yield return name;
        }
    }

    private static HashSet<string> ReadTestIdentifiers()
    {
        var identifiers = new HashSet<string>(StringComparer.Ordinal);
        var folders = new[] { "tests", "sdk" }.Select(static folder => Path.Combine(RepositoryRoot.Path, folder));
        foreach (var file in SourceFiles.Under(folders, [".cs", ".py", ".mjs", ".js", ".ts", ".sh"]))
        {
            foreach (Match identifier in Identifier().Matches(File.ReadAllText(file)))
            {
                identifiers.Add(identifier.Value);
            }
        }

        return identifiers;
    }

    [GeneratedRegex(@"`([^`\s]+)`")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\(.*\)$")]
    private static partial Regex Arguments();

    // Method_Scenario (PascalCase segments joined by underscores), optionally after its class.
    [GeneratedRegex(@"^(?:(?<class>[A-Z][A-Za-z0-9]*)\.)?(?<method>[A-Z][a-z0-9][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)$")]
    private static partial Regex MethodName();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*Tests$")]
    private static partial Regex ClassName();

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Identifier();
}
