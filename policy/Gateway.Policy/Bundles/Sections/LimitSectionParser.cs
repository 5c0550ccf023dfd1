using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads the <c>rate_limits</c> section (calls per window for the tenant, an agent or a tool) and the <c>budgets</c>
/// section (tokens per window for an agent and a connector).
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
}
