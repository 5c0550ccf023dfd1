using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// The proxy's folders as the dependency rules see them: each folder of proxy/Gateway.Proxy and the
/// other folders its files use (by <c>using Gateway.Proxy.X;</c> or a qualified <c>Gateway.Proxy.X.</c>
/// name). A stage folder is named <c>N-Stage</c> and its namespace is <c>Gateway.Proxy.Stage</c>.
/// </summary>
internal static partial class ProxyFolders
{
    public static string Root { get; } = System.IO.Path.Combine(RepositoryRoot.Path, "proxy", "Gateway.Proxy");

    /// <summary>Folder name → the folder names its files use (itself excluded).</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Uses { get; } = Read();

    /// <summary>The stage's position in the request's walk, or null for a shared folder.</summary>
    public static int? StageNumber(string folder) =>
        StageFolder().Match(folder) is { Success: true } match ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static Dictionary<string, IReadOnlySet<string>> Read()
    {
        var folders = Directory.GetDirectories(Root)
            .Select(System.IO.Path.GetFileName)
            .Where(static name => name is not null and not "bin" and not "obj")
            .Select(static name => name!)
            .ToList();
        var byNamespace = folders.ToDictionary(static folder => StageFolder().Replace(folder, string.Empty), StringComparer.Ordinal);
        var uses = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(System.IO.Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (Match match in Reference().Matches(File.ReadAllText(file)))
                {
                    if (byNamespace.TryGetValue(match.Groups[1].Value, out var target) && target != folder)
                    {
                        used.Add(target);
                    }
                }
            }

            uses[folder] = used;
        }

        return uses;
    }

    [GeneratedRegex(@"^(\d+)-")]
    private static partial Regex StageFolder();

    [GeneratedRegex(@"\bGateway\.Proxy\.(\w+)\b(?!\.Tests)")]
    private static partial Regex Reference();
}
