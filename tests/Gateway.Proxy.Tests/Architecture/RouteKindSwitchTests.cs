using System.Text.RegularExpressions;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// No stage reads the route kind to branch on it: a stage folder names a route kind only as the key its describer,
/// local destination or responder is looked up by (<c>GetKeyedService</c>, on the line that reads it), never the metadata key, never a kind's name
/// (<c>…Describer.Kind</c>), so what differs by kind is the kind's own files and the facts its describer states.
/// </summary>
public sealed partial class RouteKindSwitchTests
{
    [Fact]
    public void StageFolders_ReadTheRouteKindOnlyToLookUpItsServices()
    {
        var readers = ProxyFolders.StageFilesOtherThan(string.Empty, BranchesOnKind);

        Assert.Empty(readers);
    }

    [Fact]
    public void BranchesOnKind_PlantedSwitchInAStage_IsReported()
    {
        const string Planted = """
            namespace Gateway.Proxy.Enforce;

            internal static class Planted
            {
                public static bool IsProvider(RouteConfig route) => GatewayRouteKinds.NameOf(route) == ProviderDescriber.Kind;

                public static bool IsA2a(RouteConfig route) => route.Metadata![GatewayRouteKinds.MetadataKey] == "A2a";
            }
            """;
        const string Lookup = """
            if (GatewayRouteKinds.NameOf(config) is { } kind && _services.GetKeyedService<IRouteDescriber>(kind) is { } describer)
            {
                return describer;
            }
            """;

        Assert.True(BranchesOnKind(Planted));
        Assert.True(BranchesOnKind("var kind = GatewayRouteKinds.NameOf(config); return kind switch { _ => 0 };"));
        Assert.True(BranchesOnKind("return plan.Kind == WritebackDescriber.Kind;"));
        Assert.False(BranchesOnKind(Lookup));
    }

    private static bool BranchesOnKind(string source)
    {
        var code = ProxyFolders.CodeOf(source);
        return KindName().IsMatch(code) || MetadataKey().IsMatch(code)
            || code.Split('\n').Any(static line => KindRead().IsMatch(line) && !line.Contains("GetKeyedService", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"\b\w+Describer\.Kind\b")]
    private static partial Regex KindName();

    [GeneratedRegex(@"\bGatewayRouteKinds\.MetadataKey\b")]
    private static partial Regex MetadataKey();

    [GeneratedRegex(@"\bGatewayRouteKinds\.NameOf\b")]
    private static partial Regex KindRead();
}
