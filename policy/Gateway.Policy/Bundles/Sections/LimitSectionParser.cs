using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads the <c>rate_limits</c> section (calls per window for the tenant, an agent or a tool), the <c>budgets</c>
/// section (tokens per window for an agent and a connector) and the <c>run_limits</c> section (what one run of an agent
/// may do). The catalog is read first, so a run's <c>cost</c> is checked against the catalog's model pricing.
/// </summary>
internal sealed class LimitSectionParser(YamlNodeReader reader, CrossReferences references)
{
    public RateLimit? ParseRateLimit(YamlNode node)
    {
        var f = reader.Mapping(node, "rate limit", "scope", "agent", "tool", "limit", "window");
        if (f is null)
        {
            return null;
        }

        var scope = f.Required("scope") is { } s ? reader.Enum<RateLimitScope>(s, "rate limit scope") : null;
        var agent = f.OptionalString("agent");
        var tool = f.OptionalString("tool");
        if (agent is not null)
        {
            references.Reference(f["agent"]!, "agent", agent, "rate limit");
        }

        if (tool is not null)
        {
            references.Reference(f["tool"]!, "tool", tool, "rate limit");
        }

        if (scope == RateLimitScope.Tenant && (agent is not null || tool is not null))
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, "a tenant-scoped rate limit takes no agent or tool");
        }

        if (scope == RateLimitScope.Agent && tool is not null)
        {
            reader.Error(f["tool"]!, BundleErrorCodes.InvalidValue, "an agent-scoped rate limit takes no tool (use scope tool)");
        }

        var limit = f.Required("limit") is { } l ? reader.Integer(l, "limit", 1) : null;
        var window = f.Required("window") is { } w ? reader.Duration(w, "window") : null;
        return scope is null || limit is null || window is null ? null : new RateLimit
        {
            Scope = scope.Value,
            Agent = agent == "*" ? null : agent,
            Tool = tool == "*" ? null : tool,
            Limit = (int)Math.Min(limit.Value, int.MaxValue),
            Window = window.Value,
        };
    }

    public TokenBudget? ParseBudget(YamlNode node)
    {
        var f = reader.Mapping(node, "budget", "agent", "connector", "tokens", "window");
        if (f is null)
        {
            return null;
        }

        var agent = f.OptionalString("agent") ?? "*";
        var connector = f.OptionalString("connector") ?? "*";
        if (f["agent"] is { } an)
        {
            references.Reference(an, "agent", agent, "budget");
        }

        if (f["connector"] is { } cn)
        {
            references.Reference(cn, "tool", connector, "budget");
        }

        var tokens = f.Required("tokens") is { } t ? reader.Integer(t, "tokens", 1) : null;
        var window = f.Required("window") is { } w ? reader.Duration(w, "window") : null;
        return tokens is null || window is null ? null : new TokenBudget { Agent = agent, Connector = connector, Tokens = tokens.Value, Window = window.Value };
    }

    public RunLimits? ParseRunLimits(YamlNode node)
    {
        var f = reader.Mapping(node, "run limits", "agent", "actions", "tokens", "cost", "duration", "loop");
        if (f is null)
        {
            return null;
        }

        var agent = f.OptionalString("agent") ?? "*";
        if (f["agent"] is { } an)
        {
            references.Reference(an, "agent", agent, "run limits");
        }

        var actions = f["actions"] is { } ac ? reader.Integer(ac, "run_limits.actions", 1) : null;
        var tokens = f["tokens"] is { } tk ? reader.Integer(tk, "run_limits.tokens", 1) : null;
        var cost = f["cost"] is { } co ? ParseCost(co) : null;
        var duration = f["duration"] is { } du ? reader.Duration(du, "run_limits.duration") : null;
        var loop = f["loop"] is { } lo ? ParseLoop(lo) : null;
        if (f["actions"] is null && f["tokens"] is null && f["cost"] is null && f["duration"] is null && f["loop"] is null)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"the run limits of '{agent}' set nothing: give actions, tokens, cost, duration or loop");
        }

        return new RunLimits { Agent = agent, Actions = actions, Tokens = tokens, Cost = cost, Duration = duration, Loop = loop };
    }

    // A cost is more than 0, in the catalog's pricing currency: every model connector must be priced, or its calls would cost nothing.
    private decimal? ParseCost(YamlNode node)
    {
        if (reader.Decimal(node, "run_limits.cost", 0) is not { } cost)
        {
            return null;
        }

        if (cost == 0)
        {
            reader.Error(node, BundleErrorCodes.ImpossibleValue, "run_limits.cost must be more than 0");
            return null;
        }

        var unpriced = references.Catalog.Values.Where(e => e.Kind.IsModel() && e.Pricing is null).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
        if (unpriced.Count > 0)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"run_limits.cost needs 'pricing' on every model connector of the catalog; unpriced: {string.Join(", ", unpriced)}");
        }

        return cost;
    }

    private RunLoopRule? ParseLoop(YamlNode node)
    {
        var f = reader.Mapping(node, "run_limits.loop", "repeats", "decision");
        if (f is null)
        {
            return null;
        }

        var repeats = f.Required("repeats") is { } r ? reader.Integer(r, "run_limits.loop.repeats", 2) : null;
        var decision = f.Required("decision") is { } d ? reader.Enum<DecisionKind>(d, "run_limits.loop.decision") : null;
        if (decision is not (null or DecisionKind.RequireApproval or DecisionKind.Block or DecisionKind.BlockAndOpenIncident))
        {
            reader.Error(f["decision"]!, BundleErrorCodes.InvalidValue, $"run_limits.loop.decision '{WireNames.Of(decision.Value)}' must be require_approval, block or block_and_open_incident");
            return null;
        }

        return repeats is null || decision is null ? null : new RunLoopRule { Repeats = (int)Math.Min(repeats.Value, int.MaxValue), Decision = decision.Value };
    }
}
