namespace Gateway.Policy;

/// <summary>
/// Checks a child's grant against its parent's authority now and the tenant's delegation settings: every way the grant
/// would widen the parent is collected (none is reported alone), else the child's scope and lifetime are settled.
/// A grant may only narrow: fewer tools, fewer action types, a lower ATF level, a lower data-class ceiling, a shorter life
/// (never past the tenant's maximum nor the parent's own expiry), and delegating further only within the tenant's depth.
/// </summary>
public static class DelegationCheck
{
    /// <summary>The shortest life a child is issued for: a parent with less left issues none (a <c>ttl</c> widening).</summary>
    public static readonly TimeSpan MinimumLifetime = TimeSpan.FromSeconds(1);

    /// <summary>The outcome: the widenings (empty when the grant narrows), else the scope granted and when it ends.</summary>
    public sealed record Result(IReadOnlyList<DelegationWidening> Widenings, DelegationScope? Scope, DateTimeOffset ExpiresAt, int Depth);

    public static Result Evaluate(DelegationAuthority parent, DelegationGrantRequest request, DelegationSettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(settings);
        var widenings = new List<DelegationWidening>();
        var who = $"agent '{parent.Agent}'" + (parent.Depth > 0 ? " (through its delegation)" : string.Empty);

        var permissions = new List<ToolPermission>(request.Tools.Count);
        foreach (var asked in request.Tools)
        {
            var held = parent.Permissions.FirstOrDefault(p => string.Equals(p.Tool, asked.Tool, StringComparison.Ordinal));
            if (held is null)
            {
                widenings.Add(new DelegationWidening(DelegationWidenings.Tool, $"tool '{asked.Tool}' is not among the permissions of {who}"));
                continue;
            }

            var types = asked.ActionTypes ?? held.ActionTypes;
            foreach (var type in types.Where(t => !held.ActionTypes.Contains(t)).Distinct())
            {
                widenings.Add(new DelegationWidening(DelegationWidenings.ActionType,
                    $"action type '{WireNames.Of(type)}' on tool '{asked.Tool}' is not permitted to {who} (it holds {string.Join(", ", held.ActionTypes.Select(WireNames.Of))})"));
            }

            permissions.Add(held with { ActionTypes = [.. types.Distinct()] });
        }

        var level = request.AtfLevel ?? parent.AtfLevel ?? AtfLevel.L1;
        if (parent.AtfLevel is not { } held2 || level > held2)
        {
            widenings.Add(new DelegationWidening(DelegationWidenings.AtfLevel,
                $"ATF level {WireNames.Of(level)} is above {who}'s {(parent.AtfLevel is { } l ? WireNames.Of(l) : "(none assigned)")}"));
        }

        var ceiling = request.DataClassCeiling ?? parent.DataClassCeiling;
        if (ceiling > parent.DataClassCeiling)
        {
            widenings.Add(new DelegationWidening(DelegationWidenings.DataClass,
                $"data-class ceiling '{WireNames.Of(ceiling)}' is above {who}'s '{WireNames.Of(parent.DataClassCeiling)}'"));
        }

        var parentLeft = parent.ExpiresAt is { } ends ? ends - now : (TimeSpan?)null;
        var ttl = request.Ttl ?? (parentLeft is { } left && left < settings.MaxTtl ? left : settings.MaxTtl);
        if (ttl > settings.MaxTtl)
        {
            widenings.Add(new DelegationWidening(DelegationWidenings.Ttl,
                $"ttl_seconds {(long)ttl.TotalSeconds} is above the tenant's maximum of {(long)settings.MaxTtl.TotalSeconds}"));
        }

        if (parentLeft is { } remaining && remaining < MinimumLifetime)
        {
            // Less than a child's shortest life left (or past its expiry by this replica's clock): no child outlives it.
            widenings.Add(new DelegationWidening(DelegationWidenings.Ttl,
                $"the parent expires in 0 s, too soon for a child (one lives at least {(long)MinimumLifetime.TotalSeconds} s)"));
        }
        else if (parentLeft is { } rest && ttl > rest)
        {
            widenings.Add(new DelegationWidening(DelegationWidenings.Ttl,
                $"ttl_seconds {(long)ttl.TotalSeconds} would outlive the parent, which expires in {(long)rest.TotalSeconds} s"));
        }

        var depth = parent.Depth + 1;
        if (!parent.MayDelegate)
        {
            widenings.Add(new DelegationWidening(DelegationWidenings.Depth, $"{who} was not allowed to delegate further (may_delegate false)"));
        }
        else if (depth > settings.MaxDepth)
        {
            widenings.Add(new DelegationWidening(DelegationWidenings.Depth,
                $"a child at depth {depth} is beyond the tenant's delegation depth limit of {settings.MaxDepth}"));
        }

        if (request.MayDelegate && depth + 1 > settings.MaxDepth)
        {
            widenings.Add(new DelegationWidening(DelegationWidenings.Depth,
                $"may_delegate would let the child delegate to depth {depth + 1}, beyond the tenant's delegation depth limit of {settings.MaxDepth}"));
        }

        if (widenings.Count > 0)
        {
            return new Result(widenings, null, default, depth);
        }

        var scope = new DelegationScope
        {
            Agent = parent.Agent,
            Name = request.Name,
            Permissions = permissions,
            AtfLevel = level,
            DataClassCeiling = ceiling,
        };
        return new Result([], scope, now + ttl, depth);
    }
}
