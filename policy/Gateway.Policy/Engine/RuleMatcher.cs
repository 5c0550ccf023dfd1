using System.Text.Json;

namespace Gateway.Policy;

/// <summary>
/// Whether a custom rule matches an action. Agent and tool globs are ordinal (they name register entries);
/// target and argument globs compare case-insensitively the canonical spellings <see cref="ValueForms"/> gives
/// (a target's by its kind, an argument's by its glob's shape), and array-valued arguments and recipient lists
/// are matched element-wise, so neither <c>GMAIL.com.</c>, <c>Name &lt;x@gmail.com&gt;</c> nor
/// <c>["x@gmail.com"]</c> evades a rule. An <c>allow</c> rule reads its request conditions the other way round
/// (<see cref="RuleMatcher"/>'s every-value half): every value they name must be one it allows.
/// </summary>
internal static partial class RuleMatcher
{
    public static bool Matches(CustomRule rule, ActionDescriptor descriptor, ActionRequest request)
    {
        if (rule.Kind == CustomRuleKind.PromptInjectionEgress && !IsPromptInjectionEgress(descriptor, request))
        {
            return false;
        }

        // An allow rule lifts default_verdict only when every value it names is one it allows: an allowed recipient, target
        // or source beside another must not let the other through.
        return Holds(rule.Match, descriptor, request, every: rule.Effect == RuleEffect.Allow);
    }

    /// <summary>The rule's scope: its agent, tool, action type, data class (any class) and external conditions (request content ignored).</summary>
    public static bool InScope(CustomRule rule, ActionDescriptor descriptor) => ScopeHolds(rule.Match, descriptor, every: false);

    /// <summary>The fields <paramref name="rule"/> requires that <paramref name="request"/> omits.</summary>
    public static RequiredFields Missing(CustomRule rule, ActionRequest request)
    {
        var missing = RequiredFields.None;
        if ((rule.Requires & RequiredFields.Provenance) != 0 && request.Provenance is not { Count: > 0 })
        {
            missing |= RequiredFields.Provenance;
        }

        if ((rule.Requires & RequiredFields.Targets) != 0 && request.Targets is not { Count: > 0 })
        {
            missing |= RequiredFields.Targets;
        }

        if ((rule.Requires & RequiredFields.DataClasses) != 0 && request.DataClasses is not { Count: > 0 })
        {
            missing |= RequiredFields.DataClasses;
        }

        if ((rule.Requires & RequiredFields.Args) != 0 && (request.Args.ValueKind != JsonValueKind.Object || !request.Args.EnumerateObject().Any()))
        {
            missing |= RequiredFields.Args;
        }

        return missing;
    }

    /// <summary>
    /// Every condition of <paramref name="match"/> holds for this action: inside a request condition and among the action's
    /// data classes, some value matching (<paramref name="every"/> false) or every value, and at least one (true; <c>not</c>
    /// turns it back).
    /// </summary>
    private static bool Holds(RuleMatch match, ActionDescriptor descriptor, ActionRequest request, bool every)
    {
        if (!ScopeHolds(match, descriptor, every))
        {
            return false;
        }

        if (match.Targets is not null && !(every ? EveryTarget(match.Targets, request.Targets, matched: true) : AnyTarget(match.Targets, request.Targets, matched: true)))
        {
            return false;
        }

        if (match.AllowedTargets is not null
            && !(every ? EveryTarget(match.AllowedTargets, request.Targets, matched: false) : AnyTarget(match.AllowedTargets, request.Targets, matched: false)))
        {
            return false;
        }

        if (match.Provenance is not null && !(every ? EveryProvenanceMatches(match.Provenance, request.Provenance) : AnyProvenanceMatches(match.Provenance, request.Provenance)))
        {
            return false;
        }

        if (match.Args is not null)
        {
            foreach (var condition in match.Args)
            {
                if (!(every ? ArgumentMatchesEvery(condition, request.Args) : ArgumentMatches(condition, request.Args)))
                {
                    return false;
                }
            }
        }

        if (match.Not is { } not && Holds(not, descriptor, request, !every))
        {
            return false;
        }

        if (match.All is { } all)
        {
            foreach (var inner in all)
            {
                if (!Holds(inner, descriptor, request, every))
                {
                    return false;
                }
            }
        }

        if (match.Any is { } any)
        {
            var found = false;
            foreach (var inner in any)
            {
                if (Holds(inner, descriptor, request, every))
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    private static bool ScopeHolds(RuleMatch match, ActionDescriptor descriptor, bool every)
    {
        // Agent globs read the registered agent, a delegated child's its chain's root, never the child's own minted id: a
        // rule naming the agent binds its children too, and a glob the child's id alone matches (in an allow rule, or
        // under `not` in a block rule) gives a child nothing its agent lacks.
        if (match.Agents is not null && !Glob.AnyMatch(match.Agents, descriptor.RegisteredAgent))
        {
            return false;
        }

        if (match.Tools is not null && !Glob.AnyMatch(match.Tools, descriptor.Tool))
        {
            return false;
        }

        if (match.ActionTypes is not null && !Contains(match.ActionTypes, descriptor.ActionType))
        {
            return false;
        }

        if (match.DataClasses is { } classes && !(every ? EveryClassIn(classes, descriptor.DataClasses) : (descriptor.DataClasses & classes) != 0))
        {
            return false;
        }

        if (!PersonHolds(match, descriptor.Person))
        {
            return false;
        }

        return match.External is not { } external || external == descriptor.IsExternalAction;
    }

    /// <summary>
    /// The person conditions: <c>person</c> (globs over the subject) and <c>person_groups</c> (any group) hold only for an
    /// action taken for a person who matches; without a person neither holds.
    /// </summary>
    private static bool PersonHolds(RuleMatch match, ActingPerson? person)
    {
        if (match.Person is null && match.PersonGroups is null)
        {
            return true;
        }

        if (person is null || (match.Person is { } subjects && !Glob.AnyMatch(subjects, person.Subject)))
        {
            return false;
        }

        if (match.PersonGroups is { } groups)
        {
            foreach (var group in groups)
            {
                if (person.IsInGroup(group))
                {
                    return true;
                }
            }

            return false;
        }

        return true;
    }

    /// <summary>An argument whose content came from external or tool output, on an external action.</summary>
    private static bool IsPromptInjectionEgress(ActionDescriptor descriptor, ActionRequest request)
    {
        if (!descriptor.IsExternalAction || request.Provenance is null)
        {
            return false;
        }

        foreach (var entry in request.Provenance)
        {
            if (entry.Source is ProvenanceSource.External or ProvenanceSource.ToolOutput)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(IReadOnlyList<ActionType> types, ActionType type)
    {
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i] == type)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Some declared target is (<paramref name="matched"/> true) or is not (false) matched by a condition.</summary>
    internal static bool AnyTarget(IReadOnlyList<TargetCondition> conditions, IReadOnlyList<ActionTarget>? targets, bool matched)
    {
        if (targets is null)
        {
            return false;
        }

        foreach (var target in targets)
        {
            if (TargetAllowedBy(conditions, target) == matched)
            {
                return true;
            }
        }

        return false;
    }

    internal static bool TargetAllowedBy(IReadOnlyList<TargetCondition> conditions, ActionTarget target)
    {
        foreach (var condition in conditions)
        {
            if ((condition.Kind is null || condition.Kind == target.Kind) && ValueForms.IsMatch(condition.Value, target.Value, ValueForms.OfTarget(target.Kind)))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool AnyProvenanceMatches(IReadOnlyList<ProvenanceCondition> conditions, IReadOnlyList<ProvenanceEntry>? entries)
    {
        if (entries is null)
        {
            return false;
        }

        foreach (var entry in entries)
        {
            if (ProvenanceEntryMatches(conditions, entry))
            {
                return true;
            }
        }

        return false;
    }

    // One provenance entry against the conditions: any names its argument path (or every path; member names in any case,
    // as argument paths resolve them) and its source.
    private static bool ProvenanceEntryMatches(IReadOnlyList<ProvenanceCondition> conditions, ProvenanceEntry entry)
    {
        foreach (var condition in conditions)
        {
            if ((condition.ArgPath is null || Glob.IsMatch(condition.ArgPath, entry.ArgPath, ignoreCase: true)) && condition.Sources.Contains(entry.Source))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool ArgumentMatches(ArgumentCondition condition, JsonElement args) =>
        args.ValueKind == JsonValueKind.Object && JsonPath.AnyResolved(args, condition.Path, condition, static (c, value) => ResolvedMatches(c, value));

    private static bool ResolvedMatches(ArgumentCondition condition, JsonElement value)
    {
        if (condition.Glob is { } glob && value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
        {
            return GlobMatchesWithin(glob, value);
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return ValueMatches(condition, value);
        }

        foreach (var element in value.EnumerateArray())
        {
            if (ValueMatches(condition, element))
            {
                return true;
            }
        }

        return false;
    }

    // A glob matches a container as written, or any member name or value inside it at any depth: a mail library reads
    // `{"address": "x@gmail.com"}` and `[["x@gmail.com"]]` as the address they hold.
    private static bool GlobMatchesWithin(string glob, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var element in value.EnumerateArray())
                {
                    if (GlobMatchesWithin(glob, element))
                    {
                        return true;
                    }
                }

                return ValueForms.GlobMatches(glob, value.GetRawText());
            case JsonValueKind.Object:
                foreach (var member in value.EnumerateObject())
                {
                    if (ValueForms.GlobMatches(glob, member.Name) || GlobMatchesWithin(glob, member.Value))
                    {
                        return true;
                    }
                }

                return ValueForms.GlobMatches(glob, value.GetRawText());
            case JsonValueKind.String:
                return ValueForms.GlobMatches(glob, value.GetString() ?? string.Empty);
            default:
                return ValueForms.GlobMatches(glob, value.GetRawText());
        }
    }

    // With exact, a number equals only the same decimal value (a condition that admits); else also the same double.
    internal static bool ValueMatches(ArgumentCondition condition, JsonElement value, bool exact = false)
    {
        if (condition.EqualsValue is { } expected)
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => value.ValueEquals(expected),
                JsonValueKind.Number => JsonNumbers.SameNumber(value.GetRawText(), expected, exact),
                _ => value.GetRawText() == expected,
            };
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();
        if (condition.Glob is { } glob)
        {
            return ValueForms.GlobMatches(glob, text);
        }

        if (condition.NotIn is { } allowlist)
        {
            return ValueForms.OutsideAll(allowlist, text);
        }

        return condition.Regex is { } regex && regex.IsMatch(text);
    }
}
