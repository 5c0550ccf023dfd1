using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// A refusal that names its code where it is built names it from <c>ProblemCodes</c>, the one list the contract's code enums
/// are checked against (<c>OpenApiDocumentTests.ServedDocument_ProblemCodeEnums_ListEveryProblemCode</c>): a code taken from
/// another list (an OAuth error name) would reach clients undocumented.
/// </summary>
public sealed partial class RefusalCodeSourceTests
{
    [Fact]
    public void NewRefusal_WithANamedCode_NamesItFromProblemCodes()
    {
        var root = Path.Combine(RepositoryRoot.Path, "proxy");
        var strays = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(static file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(file => NamedCode().Matches(File.ReadAllText(file))
                .Where(static m => m.Groups["list"].Value is not "ProblemCodes")
                .Select(m => $"{Path.GetRelativePath(RepositoryRoot.Path, file)}: {m.Value}"))
            .ToList();

        Assert.True(strays.Count == 0, "Refusals whose code is not a ProblemCodes constant: " + string.Join("; ", strays));
    }

    // new Refusal(<status>, <List>.<Name>: a code named as a constant of some class.
    [GeneratedRegex(@"new Refusal\(\s*[^,()]+,\s*(?:[A-Za-z_][A-Za-z0-9_]*\.)*(?<list>[A-Z][A-Za-z0-9_]*)\.[A-Z][A-Za-z0-9_]*\s*,")]
    private static partial Regex NamedCode();
}
