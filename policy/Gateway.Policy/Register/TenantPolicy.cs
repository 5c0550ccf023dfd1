using System.Collections.Frozen;

namespace Gateway.Policy;

/// <summary>
/// One tenant's policy: the register plus indexes built once at load. Immutable and safe to share
/// between threads.
/// </summary>
public sealed class TenantPolicy
{
    private static readonly FrozenDictionary<string, DataClassSet> NoFlows = FrozenDictionary<string, DataClassSet>.Empty;

    private readonly FrozenDictionary<string, AgentIndex> _agents;
    private readonly FrozenDictionary<string, CatalogEntry> _catalog;
    private readonly FrozenDictionary<(string? Server, string? Tool), string> _mcpTools;
    private readonly FrozenDictionary<string, DataClassSet> _wildcardFlows;
    private readonly FrozenDictionary<string, Approver> _approvers;
    private readonly FrozenSet<string> _workspaces;
    private readonly ApprovalGate[][] _gatesByActionType;

    private TenantPolicy(TenantRegister register, string digest, string? sourceFile)
    {
        Register = register;
        Digest = digest;
        SourceFile = sourceFile;
        _catalog = register.Catalog.ToFrozenDictionary(e => e.Name, StringComparer.Ordinal);
        _mcpTools = McpToolsByServer(register.Catalog);
        _approvers = register.Approvers.ToFrozenDictionary(a => a.Id, StringComparer.Ordinal);
        _workspaces = register.Workspaces.ToFrozenSet(StringComparer.Ordinal);
        RuleArray = [.. register.Rules];

        var flowsByAgent = new Dictionary<string, Dictionary<string, DataClassSet>>(StringComparer.Ordinal);
        var wildcard = new Dictionary<string, DataClassSet>(StringComparer.Ordinal);
        foreach (var flow in register.DataFlows)
        {
            Dictionary<string, DataClassSet> target;
            if (flow.Agent == "*")
            {
                target = wildcard;
            }
            else if (!flowsByAgent.TryGetValue(flow.Agent, out target!))
            {
                target = new Dictionary<string, DataClassSet>(StringComparer.Ordinal);
                flowsByAgent[flow.Agent] = target;
            }

            target[flow.Tool] = (target.TryGetValue(flow.Tool, out var existing) ? existing : DataClassSet.None) | flow.DataClasses;
        }

        _wildcardFlows = wildcard.ToFrozenDictionary(StringComparer.Ordinal);

        var risksByAgent = new Dictionary<string, List<OpenRisk>>(StringComparer.Ordinal);
        foreach (var item in register.Risks)
        {
            if (item.Status != RiskItemStatus.Open)
            {
                continue;
            }

            // `*` is every agent of the register, as in a data flow: indexed under "*" literally, it would escalate none.
            var open = new OpenRisk(item.Id, item.Kind, item.Severity, item.Title);
            var concerned = item.Agents.Contains("*", StringComparer.Ordinal) ? register.Agents.Select(static a => a.Id) : item.Agents;
            foreach (var agent in concerned.Distinct(StringComparer.Ordinal))
            {
                if (!risksByAgent.TryGetValue(agent, out var list))
                {
                    list = [];
                    risksByAgent[agent] = list;
                }

                list.Add(open);
            }
        }

        var passedRedTeam = new HashSet<string>(StringComparer.Ordinal);
        foreach (var test in register.RedTeamTests)
        {
            if (test.Passed)
            {
                passedRedTeam.Add(test.Agent);
            }
        }

        var agents = new Dictionary<string, AgentIndex>(register.Agents.Count, StringComparer.Ordinal);
        foreach (var agent in register.Agents)
        {
            var permissions = new Dictionary<string, PermissionIndex>(agent.Permissions.Count, StringComparer.Ordinal);
            foreach (var permission in agent.Permissions)
            {
                permissions[permission.Tool] = new PermissionIndex(permission);
            }

            agents[agent.Id] = new AgentIndex(
                agent,
                permissions.ToFrozenDictionary(StringComparer.Ordinal),
                flowsByAgent.TryGetValue(agent.Id, out var flows) ? flows.ToFrozenDictionary(StringComparer.Ordinal) : NoFlows,
                risksByAgent.TryGetValue(agent.Id, out var risks) ? [.. risks] : [],
                passedRedTeam.Contains(agent.Id));
        }

        _agents = agents.ToFrozenDictionary(StringComparer.Ordinal);

        var actionTypes = Enum.GetValues<ActionType>();
        _gatesByActionType = new ApprovalGate[actionTypes.Length][];
        foreach (var type in actionTypes)
        {
            _gatesByActionType[(int)type] = [.. register.Gates.Where(g => g.Active && (g.ActionTypes is null || g.ActionTypes.Contains(type)))];
        }
    }

    /// <summary>The tenant slug.</summary>
    public string Slug => Register.Tenant;

    /// <summary>Lowercase hex SHA-256 of the canonical form of the tenant's bundle; in every decision.</summary>
    public string Digest { get; }

    /// <summary>The bundle file this tenant came from, when loaded from disk.</summary>
    public string? SourceFile { get; }

    public DeploymentEnvironment Environment => Register.Environment;

    /// <summary>Shadow mode for the whole tenant.</summary>
    public bool Simulate => Register.Simulate;

    public IReadOnlyList<string> Workspaces => Register.Workspaces;

    /// <summary>The register as declared.</summary>
    public TenantRegister Register { get; }

    public IReadOnlyList<RateLimit> RateLimits => Register.RateLimits;

    public IReadOnlyList<TokenBudget> Budgets => Register.Budgets;

    public IReadOnlyList<CatalogEntry> Catalog => Register.Catalog;

    /// <summary>What applies to an action no <c>allow</c> rule matches; <see cref="RuleEffect.Allow"/> = nothing extra.</summary>
    public RuleEffect DefaultVerdict => Register.DefaultVerdict;

    /// <summary>
    /// Earlier policy digests the author marked this policy compatible with (<c>compatible_with</c>): a warrant bound
    /// to one of them, or to <see cref="Digest"/>, remains valid under this policy.
    /// </summary>
    public IReadOnlyList<string> CompatibleWith => Register.CompatibleWith;

    /// <summary>True when a warrant approved under <paramref name="policyDigest"/> is valid under this policy.</summary>
    public bool AcceptsWarrantsFrom(string policyDigest)
        => string.Equals(policyDigest, Digest, StringComparison.Ordinal) || CompatibleWith.Contains(policyDigest, StringComparer.Ordinal);

    /// <summary>Indexes <paramref name="register"/>. The register must be valid (the bundle loader checks it).</summary>
    public static TenantPolicy Create(TenantRegister register, string policyDigest, string? sourceFile = null)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentException.ThrowIfNullOrEmpty(policyDigest);
        return new TenantPolicy(register, policyDigest, sourceFile);
    }

    public bool HasWorkspace(string workspace) => _workspaces.Contains(workspace);

    public bool TryGetAgent(string agentId, out AgentRecord? agent)
    {
        if (_agents.TryGetValue(agentId, out var index))
        {
            agent = index.Record;
            return true;
        }

        agent = null;
        return false;
    }

    public bool TryGetCatalogEntry(string name, out CatalogEntry? entry) => _catalog.TryGetValue(name, out entry);

    /// <summary>
    /// The catalog name of the <see cref="ConnectorKind.McpTool"/> entry serving <paramref name="toolName"/> on the MCP
    /// server <paramref name="server"/> (its <see cref="ConnectorKind.Mcp"/> entry's name), or null when none does.
    /// </summary>
    public string? FindMcpTool(string server, string toolName) => _mcpTools.GetValueOrDefault((server, toolName));

    /// <summary>
    /// True when <paramref name="agentId"/> holds a permission for the catalog entry <paramref name="tool"/>: what an agent
    /// may use, and so what the MCP surfaces list (the decision of each call still runs every control).
    /// </summary>
    public bool Permits(string agentId, string tool) => _agents.TryGetValue(agentId, out var index) && index.Permissions.ContainsKey(tool);

    public bool TryGetApprover(string id, out Approver? approver) => _approvers.TryGetValue(id, out approver);

    /// <summary>Rate limits that apply to a call by <paramref name="agentId"/> to <paramref name="tool"/>.</summary>
    public IEnumerable<RateLimit> RateLimitsFor(string agentId, string tool) => Register.RateLimits.Where(l => l.Scope switch
    {
        RateLimitScope.Tenant => true,
        RateLimitScope.Agent => l.Agent is null || l.Agent == agentId,
        RateLimitScope.Tool => (l.Tool is null || l.Tool == tool) && (l.Agent is null || l.Agent == agentId),
        _ => false,
    });

    /// <summary>The most specific budget for agent × connector (exact beats <c>*</c>; agent before connector), or null.</summary>
    public TokenBudget? BudgetFor(string agentId, string connector)
    {
        TokenBudget? best = null;
        var bestScore = -1;
        foreach (var budget in Register.Budgets)
        {
            var agentMatch = budget.Agent == agentId ? 2 : budget.Agent == "*" ? 0 : -1;
            var connectorMatch = budget.Connector == connector ? 1 : budget.Connector == "*" ? 0 : -1;
            if (agentMatch < 0 || connectorMatch < 0)
            {
                continue;
            }

            if (agentMatch + connectorMatch > bestScore)
            {
                best = budget;
                bestScore = agentMatch + connectorMatch;
            }
        }

        return best;
    }

    /// <summary>The run limits of <paramref name="agentId"/> (a registered agent): its own entry, else the tenant's <c>*</c> entry, else null.</summary>
    public RunLimits? RunLimitsFor(string agentId)
    {
        RunLimits? fallback = null;
        foreach (var limits in Register.RunLimits)
        {
            if (limits.Agent == agentId)
            {
                return limits;
            }

            if (limits.Agent == "*")
            {
                fallback = limits;
            }
        }

        return fallback;
    }

    /// <summary>The currency the catalog's model pricing is in (one per tenant file); null when nothing is priced.</summary>
    public string? PricingCurrency => Register.Catalog.FirstOrDefault(e => e.Pricing is not null)?.Pricing!.Currency;

    // Each mcp_tool entry's name by its server and tool name; of two entries serving one tool, the first in the catalog.
    private static FrozenDictionary<(string? Server, string? Tool), string> McpToolsByServer(IReadOnlyList<CatalogEntry> catalog)
    {
        var tools = new Dictionary<(string? Server, string? Tool), string>();
        foreach (var entry in catalog)
        {
            if (entry.Kind == ConnectorKind.McpTool)
            {
                tools.TryAdd((entry.Connector, entry.McpTool), entry.Name);
            }
        }

        return tools.ToFrozenDictionary();
    }

    internal AgentIndex? FindAgent(string agentId) => _agents.GetValueOrDefault(agentId);

    /// <summary>
    /// A delegated child as the controls see it: its registered agent's entry as the bundle has it now, under the child's
    /// id, narrowed by <paramref name="scope"/> (permissions ∩ granted, the lower ATF level, the data-class ceiling).
    /// Null when the registered agent is no longer in the register.
    /// </summary>
    internal AgentIndex? FindDelegate(string childId, DelegationScope scope)
    {
        if (!_agents.TryGetValue(scope.Agent, out var parent))
        {
            return null;
        }

        var permissions = new Dictionary<string, PermissionIndex>(scope.Permissions.Count, StringComparer.Ordinal);
        foreach (var granted in scope.Permissions)
        {
            if (!parent.Permissions.TryGetValue(granted.Tool, out var held))
            {
                continue;
            }

            var types = granted.ActionTypes.Where(held.Permits).ToArray();
            permissions[granted.Tool] = new PermissionIndex(held.Permission with { ActionTypes = types });
        }

        var record = parent.Record with
        {
            Id = childId,
            Name = scope.Name ?? parent.Record.Name,
            AtfLevel = parent.Record.AtfLevel is { } level ? DelegationCeilings.Lower(level, scope.AtfLevel) : null,
            Permissions = [.. permissions.Values.Select(static p => p.Permission)],
        };
        return new AgentIndex(record, permissions.ToFrozenDictionary(StringComparer.Ordinal), parent.FlowsByTool, parent.OpenRisks, parent.HasPassedRedTeam)
        {
            DataClassCeiling = scope.AllowedDataClasses,
            Delegated = true,
        };
    }

    /// <summary>
    /// True when the delegated child with <paramref name="scope"/> may use <paramref name="tool"/>: its registered agent holds
    /// a permission for it now and the grant names it.
    /// </summary>
    public bool Permits(DelegationScope scope, string tool)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return Permits(scope.Agent, tool) && scope.Permissions.Any(p => string.Equals(p.Tool, tool, StringComparison.Ordinal));
    }

    /// <summary>
    /// True when the caller may use <paramref name="tool"/>: a registered agent (<paramref name="grant"/> null) what its
    /// permissions name, a delegated child what its agent's name now and its grant names too.
    /// </summary>
    public bool Permits(string agentId, DelegationScope? grant, string tool) => grant is null ? Permits(agentId, tool) : Permits(grant, tool);

    internal DataClassSet DocumentedFlows(AgentIndex agent, string tool)
        => (agent.FlowsByTool.TryGetValue(tool, out var own) ? own : DataClassSet.None)
            | (_wildcardFlows.TryGetValue(tool, out var any) ? any : DataClassSet.None);

    internal CustomRule[] RuleArray { get; }

    internal ApprovalGate[] GatesArray(ActionType type) => _gatesByActionType[(int)type];
}
