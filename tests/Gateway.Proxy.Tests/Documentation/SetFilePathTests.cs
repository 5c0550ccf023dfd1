using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>Every file a documented <c>helm … --set-file key=PATH</c> reads exists in the repository, so the command runs as pasted from its root.</summary>
public sealed partial class SetFilePathTests
{
    [Theory]
    [InlineData("charts/gateway/README.md")]
    [InlineData("docs/operations.md")]
    public void Document_EverySetFilePath_Exists(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, document));

        var paths = SetFile().Matches(text).Select(static match => match.Groups["path"].Value).ToList();
        var missing = paths.Where(static path => !File.Exists(Path.Combine(RepositoryRoot.Path, path))).ToList();

        Assert.NotEmpty(paths);
        Assert.True(missing.Count == 0, $"{document} names files that do not exist: {string.Join(", ", missing)}");
    }

    [GeneratedRegex(@"--set-file\s+'?[^=\s']+=(?<path>[^\s'`]+)")]
    private static partial Regex SetFile();
}
