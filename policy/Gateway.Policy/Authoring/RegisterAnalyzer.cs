namespace Gateway.Policy.Authoring;

/// <summary>
/// Exhaustive questions over a tenant's finite register. The request space of each (agent, catalog tool) cell is
/// every set of declared data classes that can change a decision (the regulated classes and those gates and rules
/// name) times every truth assignment of the request atoms of the rules in scope (argument, target and provenance
/// conditions, the built-in taint condition, required fields). Each point is a concrete request evaluated by the
/// same <see cref="DecisionEngine"/> the gateway runs, so every witness is real; when every assignment was realised
/// (<see cref="AnalysisReport.Exhaustive"/>), an empty answer is a proof of absence.
/// </summary>
public sealed partial class RegisterAnalyzer
{
    /// <summary>Cells with more atoms than this enumerate only the first ones (the report says so).</summary>
    public const int MaxAtoms = 12;

    private const DataClassSet AllClasses = DataClassSet.Public | DataClassSet.Internal | DataClassSet.Regulated;

    private readonly TenantPolicy _tenant;
    private readonly DataClassSet _relevant;
    private int _unrealised;
    private long _points;
    private bool _truncated;

    public RegisterAnalyzer(TenantPolicy tenant, IEnumerable<AnalysisQuery>? queries = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        _tenant = tenant;
        var relevant = DataClassSet.Regulated;
        foreach (var gate in tenant.Register.Gates)
        {
            relevant |= gate.DataClasses ?? DataClassSet.None;
        }

        foreach (var rule in tenant.Register.Rules)
        {
            relevant |= RuleClasses(rule.Match);
        }

        foreach (var query in queries ?? [])
        {
            relevant |= query.DataClass?.ToSet() ?? DataClassSet.None;
        }

        _relevant = relevant;
    }

    /// <summary>Answers <paramref name="queries"/>, finds rules that never fire or are shadowed, and with a baseline lists changed cells.</summary>
    public AnalysisReport Analyze(IReadOnlyList<AnalysisQuery> queries, TenantPolicy? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var witnesses = queries.Select(_ => new List<Witness>()).ToArray();
        var totals = new int[queries.Count];
        var seen = queries.Select(_ => new HashSet<(string, string, DecisionKind)>()).ToArray();
        var fired = new HashSet<string>(StringComparer.Ordinal);
        var shadowCandidates = new Dictionary<string, HashSet<string>?>(StringComparer.Ordinal);
        var rulesById = _tenant.Register.Rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var cellSummaries = new Dictionary<(string, string), (DecisionKind Plain, SortedSet<DecisionKind> Reachable)>();
        var cells = 0;

        var rulesByTool = _tenant.Register.Catalog.ToDictionary(e => e.Name, e => _tenant.RuleArray.Where(r => ToolInScope(r.Match, e)).ToHashSet(), StringComparer.Ordinal);
        var agents = _tenant.Register.Agents;
        var perAgent = new AgentResult[agents.Count];

        // Agents are independent: analyse them in parallel, then merge in register order (deterministic output).
        Parallel.For(0, agents.Count, i => perAgent[i] = AnalyzeAgent(agents[i], queries, rulesByTool, rulesById));
        foreach (var result in perAgent)
        {
            cells += result.Cells;
            fired.UnionWith(result.Fired);
            foreach (var (rule, local) in result.Shadow)
            {
                if (!shadowCandidates.TryGetValue(rule, out var global))
                {
                    shadowCandidates[rule] = local;
                }
                else if (global is not null && local is not null)
                {
                    global.IntersectWith(local);
                }
            }

            foreach (var (cell, summary) in result.Summaries)
            {
                cellSummaries[cell] = summary;
            }

            for (var q = 0; q < queries.Count; q++)
            {
                totals[q] += result.Witnesses[q].Count;
                witnesses[q].AddRange(result.Witnesses[q].Take(100 - witnesses[q].Count));
                foreach (var w in result.Witnesses[q])
                {
                    seen[q].Add((w.Agent, w.Tool, w.Decision.Kind));
                }
            }
        }

        for (var q = 0; q < queries.Count; q++)
        {
            if (queries[q].TargetKind is not { } kind)
            {
                continue;
            }

            foreach (var agent in _tenant.Register.Agents.Where(a => AgentMatches(queries[q], a)))
            {
                foreach (var entry in _tenant.Register.Catalog.Where(e => ToolMatches(queries[q], e)))
                {
                    foreach (var witness in Points(agent, entry, kind))
                    {
                        if (Matches(queries[q], agent, entry, witness) && seen[q].Add((agent.Id, entry.Name, witness.Decision.Kind)))
                        {
                            totals[q]++;
                            if (witnesses[q].Count < 100)
                            {
                                witnesses[q].Add(witness);
                            }
                        }
                    }
                }
            }
        }

        return new AnalysisReport
        {
            Tenant = _tenant.Slug,
            Cells = cells,
            Points = _points,
            UnrealisedAssignments = _unrealised,
            Truncated = _truncated,
            Answers = [.. queries.Select((q, i) => new QueryAnswer(q, witnesses[i], totals[i]))],
            NeverFiring = [.. _tenant.Register.Rules.Where(r => !fired.Contains(r.Id)).Select(r => r.Id)],
            Shadowed = [.. shadowCandidates
                .Where(p => p.Value is { Count: > 0 })
                .Select(p => new RuleShadow(p.Key, p.Value!.Order(StringComparer.Ordinal).First()))
                .OrderBy(s => s.Rule, StringComparer.Ordinal)],
            Changes = baseline is null ? null : Compare(baseline, cellSummaries),
        };
    }

    private AgentResult AnalyzeAgent(AgentRecord agent, IReadOnlyList<AnalysisQuery> queries, Dictionary<string, HashSet<CustomRule>> rulesByTool, Dictionary<string, CustomRule> rulesById)
    {
        var result = new AgentResult(queries.Count);
        var index = _tenant.FindAgent(agent.Id)!;
        var fixedKind = agent.Lifecycle == AgentLifecycle.Active && index.HasOpenCriticalFinding ? DecisionKind.BlockAndOpenIncident : DecisionKind.Block;
        var agentRules = _tenant.RuleArray.Where(r => AgentInScope(r.Match, agent.Id)).ToHashSet();
        var seen = new HashSet<(string, DecisionKind)>[queries.Count];
        for (var q = 0; q < queries.Count; q++)
        {
            seen[q] = [];
        }

        foreach (var entry in _tenant.Register.Catalog)
        {
            result.Cells++;
            if (!index.Permissions.ContainsKey(entry.Name)
                && !rulesByTool[entry.Name].Overlaps(agentRules)
                && !queries.Any(q => AgentMatches(q, agent) && ToolMatches(q, entry) && (q.Decisions is null || q.Decisions.Contains(fixedKind))))
            {
                // No permission: a block no request can change, and no rule or query looks at the cell.
                result.Summaries.Add(((agent.Id, entry.Name), (fixedKind, [fixedKind])));
                continue;
            }

            var plain = (DecisionKind?)null;
            var reachable = new SortedSet<DecisionKind>();
            foreach (var witness in Points(agent, entry, null))
            {
                var decision = witness.Decision;
                plain ??= decision.Kind;
                reachable.Add(decision.Kind);
                RecordRules(decision, result.Fired, result.Shadow, rulesById);
                for (var q = 0; q < queries.Count; q++)
                {
                    if (queries[q].TargetKind is null && Matches(queries[q], agent, entry, witness) && seen[q].Add((entry.Name, decision.Kind)))
                    {
                        result.Witnesses[q].Add(witness);
                    }
                }
            }

            result.Summaries.Add(((agent.Id, entry.Name), (plain ?? DecisionKind.Block, reachable)));
        }

        return result;
    }

    /// <summary>A block no request content or declared class can change: registration, lifecycle, a missing or exceeded
    /// ATF level, or no permission for the tool or its action type.</summary>
    private static bool IsFixedBlock(Decision decision)
        => decision.Kind is DecisionKind.Block or DecisionKind.BlockAndOpenIncident
            && decision.Explanation.DecisionPath.Any(r => r.Outcome == ControlOutcome.Fail && r.Severity == Severity.Critical
                && r.Control is ControlId.AgentRegistration or ControlId.Lifecycle or ControlId.AtfBoundary or ControlId.ToolPermission);

    private static void RecordRules(Decision decision, HashSet<string> fired, Dictionary<string, HashSet<string>?> shadow, Dictionary<string, CustomRule> rules)
    {
        var triggers = decision.Explanation.RuleTriggers;
        var controlsBlock = IsFixedBlock(decision) || decision.Explanation.DecisionPath.Any(r => r.Outcome == ControlOutcome.Fail && r.Severity == Severity.Critical);
        foreach (var trigger in triggers)
        {
            if (!rules.TryGetValue(trigger.Rule, out var rule))
            {
                continue;
            }

            fired.Add(rule.Id);
            if (controlsBlock || rule.Effect == RuleEffect.Allow)
            {
                continue;
            }

            var rank = DecisionEngine.Rank(trigger.Effect);
            var others = new HashSet<string>(StringComparer.Ordinal);
            foreach (var other in triggers)
            {
                if (other.Rule != rule.Id && rules.ContainsKey(other.Rule) && other.Effect != DecisionKind.Allow && DecisionEngine.Rank(other.Effect) >= rank)
                {
                    others.Add(other.Rule);
                }
            }

            if (!shadow.TryGetValue(rule.Id, out var candidates))
            {
                shadow[rule.Id] = others;
            }
            else if (candidates is not null)
            {
                candidates.IntersectWith(others);
            }
        }
    }

    private bool Matches(AnalysisQuery query, AgentRecord agent, CatalogEntry entry, Witness witness)
        => AgentMatches(query, agent)
            && ToolMatches(query, entry)
            && (query.DataClass is not { } dataClass || ((witness.Decision.Descriptor?.DataClasses ?? DataClassSet.None) & dataClass.ToSet()) != 0)
            && (query.Decisions is null || query.Decisions.Contains(witness.Decision.Kind));

    private static bool AgentMatches(AnalysisQuery query, AgentRecord agent)
        => (query.Agents is null || Glob.AnyMatch(query.Agents, agent.Id))
            && (query.MaxLevel is not { } max || agent.AtfLevel is null || agent.AtfLevel <= max);

    private static bool ToolMatches(AnalysisQuery query, CatalogEntry entry)
        => (query.Tools is null || Glob.AnyMatch(query.Tools, entry.Name))
            && (query.ActionTypes is null || query.ActionTypes.Contains(entry.ActionType));

    private List<CellChange> Compare(TenantPolicy baseline, Dictionary<(string, string), (DecisionKind Plain, SortedSet<DecisionKind> Reachable)> candidate)
    {
        var other = new RegisterAnalyzer(baseline);
        var changes = new List<CellChange>();
        var agents = _tenant.Register.Agents.Select(a => a.Id).Union(baseline.Register.Agents.Select(a => a.Id)).Order(StringComparer.Ordinal);
        var tools = _tenant.Register.Catalog.Select(e => e.Name).Union(baseline.Register.Catalog.Select(e => e.Name)).Order(StringComparer.Ordinal).ToList();
        foreach (var agent in agents)
        {
            foreach (var tool in tools)
            {
                var before = other.Summary(agent, tool);
                var after = candidate.TryGetValue((agent, tool), out var known) ? known : Summary(agent, tool);
                if (before.Plain != after.Plain || !before.Reachable.SetEquals(after.Reachable))
                {
                    changes.Add(new CellChange(agent, tool, before.Plain, after.Plain, [.. before.Reachable], [.. after.Reachable]));
                }
            }
        }

        return changes;
    }

    private (DecisionKind Plain, SortedSet<DecisionKind> Reachable) Summary(string agentId, string tool)
    {
        if (_tenant.TryGetAgent(agentId, out var agent) && _tenant.TryGetCatalogEntry(tool, out var entry))
        {
            var reachable = new SortedSet<DecisionKind>();
            DecisionKind? plain = null;
            foreach (var witness in Points(agent!, entry!, null))
            {
                plain ??= witness.Decision.Kind;
                reachable.Add(witness.Decision.Kind);
            }

            return (plain ?? DecisionKind.Block, reachable);
        }

        var caller = new AuthenticatedCaller(_tenant.Slug, _tenant.Workspaces.Count > 0 ? _tenant.Workspaces[0] : string.Empty, agentId);
        var decision = DecisionEngine.Instance.Evaluate(_tenant, caller, new ActionRequest { Tool = tool });
        return (decision.Kind, [decision.Kind]);
    }

    /// <summary>The rule's tool, action type and external conditions can hold for <paramref name="entry"/>.</summary>
    private static bool ToolInScope(RuleMatch match, CatalogEntry entry)
        => (match.Tools is null || Glob.AnyMatch(match.Tools, entry.Name))
            && (match.ActionTypes is null || match.ActionTypes.Contains(entry.ActionType))
            && (match.External is not { } external || external == (entry.External || entry.ActionType == ActionType.External));

    private static bool AgentInScope(RuleMatch match, string agent) => match.Agents is null || Glob.AnyMatch(match.Agents, agent);

    /// <summary>One agent's share of the analysis, merged in register order.</summary>
    private sealed class AgentResult(int queries)
    {
        public int Cells { get; set; }

        public List<((string, string) Cell, (DecisionKind Plain, SortedSet<DecisionKind> Reachable) Summary)> Summaries { get; } = [];

        public HashSet<string> Fired { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, HashSet<string>?> Shadow { get; } = new(StringComparer.Ordinal);

        public List<Witness>[] Witnesses { get; } = [.. Enumerable.Range(0, queries).Select(_ => new List<Witness>())];
    }

    private static DataClassSet RuleClasses(RuleMatch match)
    {
        var classes = match.DataClasses ?? DataClassSet.None;
        if (match.Not is { } not)
        {
            classes |= RuleClasses(not);
        }

        foreach (var inner in (match.Any ?? []).Concat(match.All ?? []))
        {
            classes |= RuleClasses(inner);
        }

        return classes;
    }
}
