using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// Tests wait through <c>TimeProvider</c> or an awaited condition (<c>Gateway.Testing/Eventually</c>), never a fixed
/// <c>Task.Delay</c> or <c>Thread.Sleep</c>: a fixed wait is too short on a loaded machine and too long everywhere else.
/// No test source under tests/ or sdk/dotnet/tests/ names either in its code, except the files listed here, each with its
/// reason: the poll of <c>Eventually</c> itself, simulated slow peers (a slow client, an upstream that paces its stream:
/// what is under test, not a wait for it; cancelled with the request), and paced traffic. A listed file that no longer
/// waits fails the list.
/// </summary>
public sealed partial class FixedWaitTests
{
    private const string SlowPeer = "a simulated slow peer (what the test exercises), cancelled with its request";

    /// <summary>The folders of test sources scanned, from the repository's root.</summary>
    private static readonly string[] Roots = ["tests", "sdk/dotnet/tests"];

    /// <summary>Paths from the repository's root (with '/') that may name a fixed wait, and why.</summary>
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["tests/Gateway.Testing/Eventually.cs"] = "the poll interval of the awaited condition itself",
        ["tests/Gateway.Proxy.Tests/1-Authenticate/SlowBodyTests.cs"] = "a client that sends its body in two parts: the slow client is the test",
        ["tests/Gateway.Proxy.Tests/A2a/A2aTestAgent.cs"] = SlowPeer,
        ["tests/Gateway.Proxy.Tests/A2a/NamedWebhookHosts.cs"] = "waits for cancellation (Timeout.Infinite), never for a time",
        ["tests/Gateway.Proxy.Tests/Infrastructure/TestUpstream.cs"] = SlowPeer,
        ["tests/Gateway.Proxy.Tests/Infrastructure/McpTestServer.cs"] = SlowPeer,
        ["tests/Gateway.Proxy.Tests/Faults/RedisClusterFailoverTests.cs"] = "paces the traffic of a fault drill",
        ["tests/Gateway.Proxy.Tests/Faults/StoreOutageTests.cs"] = "paces the traffic of a fault drill",
        ["tests/Gateway.Store.Tests/AdmissionTraffic.cs"] = "paces generated traffic",
        ["tests/Gateway.Store.Tests/GroupCommitWaiterTests.cs"] = "paces writers of a group commit, and a window in which a second reuse would show",
        ["tests/Gateway.Store.Tests/RedisOutageTests.cs"] = "paces traffic through an outage",
        ["sdk/dotnet/tests/Gamut.Agent.Tests/Infrastructure/SuiteUpstream.cs"] = SlowPeer,
        ["sdk/dotnet/tests/Gamut.Agent.Tests/ProviderTimeoutTests.cs"] = SlowPeer,
        ["sdk/dotnet/tests/Gamut.Agent.Tests/Upstream/GatewayDecisionTokenVerifierFailureTests.cs"] = SlowPeer,
    };

    [Fact]
    public void TestSources_OutsideTheList_HaveNoFixedWait()
    {
        var unlisted = FilesWithFixedWaits().Where(static path => !Allowed.ContainsKey(path)).ToList();

        Assert.True(unlisted.Count == 0, "A fixed wait in a test (wait through TimeProvider or Eventually instead): " + string.Join(", ", unlisted));
    }

    [Fact]
    public void Allowed_EveryListedFile_StillWaits()
    {
        var waiting = FilesWithFixedWaits().ToHashSet(StringComparer.Ordinal);
        var stale = Allowed.Keys.Where(path => !waiting.Contains(path)).ToList();

        Assert.True(stale.Count == 0, "Listed, but no longer waiting (remove from the list): " + string.Join(", ", stale));
        Assert.All(Allowed.Values, static reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
    }

    [Fact]
    public void WaitsFixedly_PlantedWait_IsReported()
    {
        Assert.True(WaitsFixedly("await Task.Delay(TimeSpan.FromSeconds(1));"));
        Assert.True(WaitsFixedly("System.Threading.Thread.Sleep (100);"));
        Assert.True(WaitsFixedly("await Task\n    .Delay(50, token);"));
        Assert.False(WaitsFixedly("// await Task.Delay(100) in a comment\nvar note = \"Thread.Sleep(1)\";"));
        Assert.False(WaitsFixedly("await Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(5), \"never\");"));
    }

    private static IEnumerable<string> FilesWithFixedWaits() =>
        Roots.SelectMany(static root => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, root), "*.cs", SearchOption.AllDirectories))
            .Select(static file => Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/'))
            .Where(static path => !path.Split('/').Any(static segment => segment is "bin" or "obj" or "node_modules"))
            .Where(static path => WaitsFixedly(File.ReadAllText(Path.Combine(RepositoryRoot.Path, path))))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    private static bool WaitsFixedly(string source) => FixedWait().IsMatch(ProxyFolders.CodeOf(source));

    [GeneratedRegex(@"\bTask\s*\.\s*Delay\s*\(|\bThread\s*\.\s*Sleep\s*\(")]
    private static partial Regex FixedWait();
}
