using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// The proxy's folders as the dependency rules see them: each folder of proxy/Gateway.Proxy and the
/// other folders its files use. A folder is used by any <c>Gateway.Proxy.X</c> name (a <c>using</c>,
/// <c>using static</c> or alias directive, or a fully qualified name) and by a name qualified relative to
/// the proxy's namespace (<c>Record.RecordedDecision</c> inside <c>Gateway.Proxy.Refusals</c>). Inside
/// <c>Gateway.Proxy.*</c> a leading identifier that names a sibling namespace binds to that namespace, so
/// reading it as a use is what the compiler does (unless the file declares a member or
/// local of that name, which binds first). Comments and string literals are not read.
/// A stage folder is named <c>N-Stage</c> and its namespace is <c>Gateway.Proxy.Stage</c>.
/// </summary>
internal static partial class ProxyFolders
{
    public static string Root { get; } = System.IO.Path.Combine(RepositoryRoot.Path, "proxy", "Gateway.Proxy");

    /// <summary>Folder name → the folder names its files use (itself excluded).</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Uses { get; } = Read();

    /// <summary>The stage's position in the request's walk, or null for a shared folder.</summary>
    public static int? StageNumber(string folder) =>
        StageFolder().Match(folder) is { Success: true } match ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The folder names one source text of <paramref name="folder"/> uses, among <paramref name="folders"/>.</summary>
    public static IReadOnlySet<string> UsesOf(string folder, string source, IReadOnlyCollection<string> folders)
    {
        var byNamespace = folders.ToDictionary(static name => StageFolder().Replace(name, string.Empty), StringComparer.Ordinal);
        var code = CodeOf(source);
        var declared = Declaration().Matches(code).Select(static match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var relative = RelativeReference().Matches(code).Where(match => !declared.Contains(match.Groups[1].Value));
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var match in QualifiedReference().Matches(code).Concat(relative))
        {
            if (byNamespace.TryGetValue(match.Groups[1].Value, out var target) && target != folder)
            {
                used.Add(target);
            }
        }

        return used;
    }

    /// <summary>The files (as folder/file) of the stage folders other than <paramref name="stage"/> whose code <paramref name="matches"/>.</summary>
    public static List<string> StageFilesOtherThan(string stage, Func<string, bool> matches) =>
        Uses.Keys
            .Where(folder => StageNumber(folder) is not null && folder != stage)
            .SelectMany(folder => Directory.EnumerateFiles(System.IO.Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories)
                .Where(file => matches(CodeOf(File.ReadAllText(file))))
                .Select(file => folder + "/" + System.IO.Path.GetFileName(file)))
            .ToList();

    /// <summary><paramref name="source"/> with its comments and string and character literals blanked: its code alone.</summary>
    public static string CodeOf(string source) =>
        CommentOrString().Replace(source, static match => match.Value.StartsWith('/') ? " " : "\"\"");

    private static Dictionary<string, IReadOnlySet<string>> Read()
    {
        var folders = Directory.GetDirectories(Root)
            .Select(System.IO.Path.GetFileName)
            .Where(static name => name is not null and not "bin" and not "obj")
            .Select(static name => name!)
            .ToList();
        var uses = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(System.IO.Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            {
                used.UnionWith(UsesOf(folder, File.ReadAllText(file), folders));
            }

            uses[folder] = used;
        }

        return uses;
    }

    [GeneratedRegex(@"^(\d+)-")]
    private static partial Regex StageFolder();

    /// <summary><c>Gateway.Proxy.X</c> anywhere in code: using, using static, alias, global:: or fully qualified.</summary>
    [GeneratedRegex(@"\bGateway\.Proxy\.(\w+)\b(?!\.Tests)")]
    private static partial Regex QualifiedReference();

    /// <summary><c>X.Name</c> where X starts the name (not a member access <c>a.X.Name</c>).</summary>
    [GeneratedRegex(@"(?<![\w.@])(\w+)\s*\.\s*[A-Za-z_]")]
    private static partial Regex RelativeReference();

    /// <summary>
    /// A member, parameter or local the file declares (<c>RunRecord Record,</c>): a simple name binds to it before a
    /// namespace, so <c>Record.Id</c> there is no use of a folder.
    /// </summary>
    [GeneratedRegex(@"[\w>\]?]\s+(\w+)\s*(?:[,)=;{]|=>)")]
    private static partial Regex Declaration();

    /// <summary>Comments, and string and character literals (regular, verbatim, raw, interpolated: their text only).</summary>
    [GeneratedRegex(@"//[^\n]*|/\*[\s\S]*?\*/|""""""[\s\S]*?""""""|@""(?:""""|[^""])*""|""(?:\\.|[^""\\\n])*""|'(?:\\.|[^'\\\n])'")]
    private static partial Regex CommentOrString();
}
