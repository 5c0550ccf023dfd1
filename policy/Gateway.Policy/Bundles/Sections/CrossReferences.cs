using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// The names a tenant file declares (agents, catalog entries, approvers) and the references its sections make to
/// them, checked once every section is read so that section order in the file does not matter.
/// </summary>
internal sealed class CrossReferences(YamlNodeReader reader)
{
    /// <summary>How the gateway's minted ids of delegated children begin.</summary>
    private const string ChildIdPrefix = "dlg-";

    private readonly List<(YamlNode Node, string Kind, string Name, string What)> _references = [];

    /// <summary>The agent ids declared so far.</summary>
    public HashSet<string> AgentIds { get; } = new(StringComparer.Ordinal);

    /// <summary>The catalog entries declared so far, by name.</summary>
    public Dictionary<string, CatalogEntry> Catalog { get; } = new(StringComparer.Ordinal);

    /// <summary>The approver ids declared so far.</summary>
    public HashSet<string> ApproverIds { get; } = new(StringComparer.Ordinal);

    /// <summary>The <c>mcp_tool</c> and <c>a2a_skill</c> catalog entries, whose connector must be an <c>mcp</c> (an <c>a2a</c>) entry.</summary>
    public List<(YamlNode Node, CatalogEntry Entry)> McpTools { get; } = [];

    /// <summary>Records a reference to check later: <paramref name="kind"/> is agent, agent-glob, tool, tool-glob, tool-prefix, approver or target-system.</summary>
    public void Reference(YamlNode node, string kind, string name, string what) => _references.Add((node, kind, name, what));

    /// <summary>The strings of a list, each recorded as a reference of <paramref name="kind"/>.</summary>
    public List<string> ReferencedList(YamlNode node, string kind, string what)
    {
        var list = reader.StringList(node, what);
        foreach (var (value, item) in list)
        {
            Reference(item, kind, value, what);
        }

        return [.. list.Select(x => x.Value)];
    }

    /// <summary>
    /// Reports each <c>mcp_tool</c> (<c>a2a_skill</c>) entry whose connector is not an <c>mcp</c> (<c>a2a</c>) entry of the
    /// catalog, and each that names a server's tool (an agent's skill) an earlier entry names: which of the two applied
    /// would depend on the route, so an agent could pick the one with the weaker policy.
    /// </summary>
    public void CheckMcpTools()
    {
        var served = new Dictionary<(ConnectorKind, string, string), string>();
        foreach (var (node, entry) in McpTools)
        {
            var serverKind = entry.Kind == ConnectorKind.A2aSkill ? ConnectorKind.A2a : ConnectorKind.Mcp;
            var (own, theirs) = entry.Kind == ConnectorKind.A2aSkill ? ("a2a_skill", "a2a") : ("mcp_tool", "mcp");
            if (entry.Connector is { } connector && (!Catalog.TryGetValue(connector, out var server) || server.Kind != serverKind))
            {
                reader.Error(node, BundleErrorCodes.DanglingReference, $"{own} '{entry.Name}' names connector '{connector}', which is not an {theirs} entry of the catalog");
            }

            if (entry.Connector is { } on && (entry.Kind == ConnectorKind.A2aSkill ? entry.A2aSkill : entry.McpTool) is { } name
                && !served.TryAdd((entry.Kind, on, name), entry.Name))
            {
                reader.Error(node, BundleErrorCodes.DuplicateId, $"{own} '{entry.Name}' names {own} '{name}' of connector '{on}', which '{served[(entry.Kind, on, name)]}' names already: one catalog entry per {(entry.Kind == ConnectorKind.A2aSkill ? "skill" : "tool")}");
            }
        }
    }

    /// <summary>
    /// <paramref name="entry"/> as the gateway enforces it: an <c>a2a_skill</c> (<c>mcp_tool</c>) held within its <c>a2a</c>
    /// agent's (<c>mcp</c> server's) <c>limits</c> too (its calls go there; the tighter of each limit wins); any other entry as declared.
    /// </summary>
    public CatalogEntry WithConnectorLimits(CatalogEntry entry)
    {
        var serverKind = entry.Kind switch
        {
            ConnectorKind.A2aSkill => ConnectorKind.A2a,
            ConnectorKind.McpTool => ConnectorKind.Mcp,
            _ => (ConnectorKind?)null,
        };
        return serverKind is not null && entry.Connector is { } connector && Catalog.TryGetValue(connector, out var server) && server.Kind == serverKind
            ? entry with { Limits = entry.Limits.Within(server.Limits) }
            : entry;
    }

    /// <summary>Reports each recorded reference to an agent, catalog entry or approver the file does not declare.</summary>
    public void CheckReferences()
    {
        foreach (var (node, kind, name, what) in _references)
        {
            var known = kind switch
            {
                "agent" => name == "*" || AgentIds.Contains(name),
                // A glob may match no agent (`nobody-*`), but not one only a delegated child's minted id could match:
                // it reads the chain's root, so such a rule would silently never fire.
                "agent-glob" => AgentIds.Contains(name) || (IsGlob(name) && (!CouldMatchChildId(name) || AgentIds.Any(id => Glob.IsMatch(name, id)))),
                "tool" => name == "*" || Catalog.ContainsKey(name),
                // A glob no entry matches (`Deploy.*` for `deploy.*`: globs are case-sensitive) would silently disable its rule or gate.
                "tool-glob" => Catalog.ContainsKey(name) || Catalog.Keys.Any(entry => Glob.IsMatch(name, entry)),
                // An interactive scope's name covers the entries named under it (`docs` → `docs.search`): it must cover one.
                "tool-prefix" => Catalog.Keys.Any(entry => new InteractiveScope(name, [name]).Covers(entry)),
                "approver" => ApproverIds.Contains(name),
                // A gate matches target systems exactly: one no catalog entry declares would silently match nothing.
                "target-system" => Catalog.Values.Any(entry => string.Equals(entry.TargetSystem, name, StringComparison.Ordinal)),
                _ => false,
            };
            if (!known)
            {
                var noun = kind switch
                {
                    "agent" or "agent-glob" => "agent",
                    "tool" or "tool-glob" => "catalog entry",
                    "tool-prefix" => "catalog entry, or name above one",
                    "target-system" => "target system",
                    _ => "approver",
                };
                var message = kind == "tool-glob" && IsGlob(name) ? $"{what} glob '{name}' matches no catalog entry (globs are case-sensitive)"
                    : kind == "agent-glob" && IsGlob(name) ? $"{what} agents glob '{name}' matches no registered agent and could match only a delegated child's id ({ChildIdPrefix}…): agent globs match the registered agent at the root of a delegation chain, never a child's id"
                    : $"{what} names unknown {noun} '{name}'";
                reader.Error(node, BundleErrorCodes.DanglingReference, message);
            }
        }
    }

    private static bool IsGlob(string name) => name.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>True when the glob's literal start (before its first wildcard) is, or begins, a minted child id's prefix.</summary>
    private static bool CouldMatchChildId(string glob)
    {
        var literal = glob.AsSpan(0, glob.AsSpan().IndexOfAny('*', '?'));
        return literal.Length > 0 && (ChildIdPrefix.AsSpan().StartsWith(literal, StringComparison.Ordinal) || literal.StartsWith(ChildIdPrefix, StringComparison.Ordinal));
    }
}
