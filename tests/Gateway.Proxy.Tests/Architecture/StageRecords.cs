using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// What a stage may use of the stages before it: their records, and nothing else of theirs. A record is a type the
/// request's feature carries (read anywhere in the proxy with <c>Get&lt;T&gt;</c> or <c>Find&lt;T&gt;</c>, or as a local action's
/// state with <c>StateOf&lt;T&gt;</c>), together with
/// the types it exposes (its properties' types, transitively, those of the stage folders). A helper of an earlier stage
/// (a gate, a describer, a transform) is not a record: what a later stage needs of it is put in the earlier stage's
/// record, or the helper moves out of the stage folders (a shared folder such as <c>Reservations/</c>, or
/// <c>Gateway.Policy</c>). One helper is allowed by name (<see cref="AllowedHelpers"/>).
/// </summary>
internal static partial class StageRecords
{
    /// <summary>
    /// The Record stage's writer (<c>5-Record/AuditRecorder.cs</c>), the one place that appends to the audit chain, and the
    /// outcome it takes (<c>5-Record/ActionOutcome.cs</c>): Respond hands it a forwarded request's outcome and the refusals
    /// it writes, which exist only once the walk has come back.
    /// </summary>
    public static readonly IReadOnlySet<string> AllowedHelpers = new HashSet<string>(StringComparer.Ordinal) { "AuditRecorder", "ActionOutcome" };

    private static readonly Assembly Proxy = typeof(GatewayRequestFeature).Assembly;

    /// <summary>Type name → the stage folder declaring it (top-level types of the stage namespaces).</summary>
    public static IReadOnlyDictionary<string, string> StageTypes { get; } = ReadStageTypes();

    /// <summary>The names of the stages' records and of the stage types they expose.</summary>
    public static IReadOnlySet<string> Records { get; } = ReadRecords();

    /// <summary>
    /// The uses in one source text of <paramref name="folder"/> of a type of an earlier stage that is neither a record nor
    /// an allowed helper, as "folder uses earlier-folder's Type".
    /// </summary>
    public static IEnumerable<string> HelperUsesOf(string folder, string source, IReadOnlySet<string> records)
    {
        if (ProxyFolders.StageNumber(folder) is not { } stage)
        {
            yield break;
        }

        var code = ProxyFolders.CodeOf(source);
        foreach (var name in TypeName().Matches(code).Select(static match => match.Groups[1].Value).Distinct(StringComparer.Ordinal))
        {
            if (StageTypes.TryGetValue(name, out var declaredIn) && ProxyFolders.StageNumber(declaredIn) < stage
                && !records.Contains(name) && !AllowedHelpers.Contains(name))
            {
                yield return $"{folder} uses {declaredIn}'s {name}";
            }
        }
    }

    private static Dictionary<string, string> ReadStageTypes()
    {
        var folderOf = ProxyFolders.Uses.Keys
            .Where(static folder => ProxyFolders.StageNumber(folder) is not null)
            .ToDictionary(static folder => "Gateway.Proxy." + folder[(folder.IndexOf('-', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in Proxy.GetTypes())
        {
            if (type.IsNested || type.Namespace is not { } ns || !folderOf.TryGetValue(ns, out var folder)
                || type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) || type.Name.Contains('<', StringComparison.Ordinal))
            {
                continue;
            }

            types[Simple(type.Name)] = folder;
        }

        return types;
    }

    private static HashSet<string> ReadRecords()
    {
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(ProxyFolders.Root, "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match match in FeatureRead().Matches(ProxyFolders.CodeOf(File.ReadAllText(file))))
            {
                read.Add(match.Groups[1].Value);
            }
        }

        var stageTypes = Proxy.GetTypes()
            .Where(static type => !type.IsNested && StageTypes.TryGetValue(Simple(type.Name), out _))
            .GroupBy(static type => Simple(type.Name), StringComparer.Ordinal)
            .ToDictionary(static group => group.Key, static group => group.First(), StringComparer.Ordinal);
        var records = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<Type>(read.Where(stageTypes.ContainsKey).Select(name => stageTypes[name]));
        while (pending.TryDequeue(out var type))
        {
            if (!records.Add(Simple(type.Name)))
            {
                continue;
            }

            const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            foreach (var exposed in type.GetProperties(Members).Where(static property => property.GetMethod is { IsPrivate: false })
                .SelectMany(static property => Constituents(property.PropertyType)))
            {
                if (!exposed.IsNested && stageTypes.TryGetValue(Simple(exposed.Name), out var stageType) && stageType == exposed)
                {
                    pending.Enqueue(exposed);
                }
            }
        }

        return records;
    }

    /// <summary>A type and the types it is made of (element, generic arguments, nullable's underlying type).</summary>
    private static IEnumerable<Type> Constituents(Type type)
    {
        yield return type;
        if (type.HasElementType && type.GetElementType() is { } element)
        {
            foreach (var inner in Constituents(element))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType)
        {
            foreach (var inner in type.GetGenericArguments().SelectMany(Constituents))
            {
                yield return inner;
            }
        }
    }

    /// <summary>A generic type's name without its arity (<c>Foo`1</c> → <c>Foo</c>).</summary>
    private static string Simple(string name) => name.IndexOf('`', StringComparison.Ordinal) is var tick and >= 0 ? name[..tick] : name;

    /// <summary>
    /// A record read from the feature: <c>Get&lt;T&gt;()</c> or <c>Find&lt;T&gt;()</c>, or the state a local action carries
    /// for its destination (<c>StateOf&lt;T&gt;()</c>).
    /// </summary>
    [GeneratedRegex(@"\b(?:Get|Find|StateOf)<(\w+)>\s*\(")]
    private static partial Regex FeatureRead();

    /// <summary>A name that starts a type reference (not a member access <c>a.Name</c>), as the code spells it.</summary>
    [GeneratedRegex(@"(?<![\w.@])([A-Z]\w*)\b")]
    private static partial Regex TypeName();
}
