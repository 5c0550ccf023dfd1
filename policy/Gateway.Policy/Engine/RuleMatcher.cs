using System.Text.Json;

namespace Gateway.Policy;

/// <summary>Whether a custom rule matches an action. Allocates only for glob/regex argument conditions.</summary>
internal static class RuleMatcher
{
    public static bool Matches(CustomRule rule, ActionDescriptor descriptor, ActionRequest request)
    {
        if (rule.Kind == CustomRuleKind.PromptInjectionEgress && !IsPromptInjectionEgress(descriptor, request))
        {
            return false;
        }

        var match = rule.Match;
        if (match.Agents is not null && !Glob.AnyMatch(match.Agents, descriptor.Agent))
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

        if (match.DataClasses is { } classes && (descriptor.DataClasses & classes) == 0)
        {
            return false;
        }

        if (match.External is { } external && external != descriptor.IsExternalAction)
        {
            return false;
        }

        if (match.Targets is not null && !AnyTargetMatches(match.Targets, request.Targets))
        {
            return false;
        }

        if (match.Provenance is not null && !AnyProvenanceMatches(match.Provenance, request.Provenance))
        {
            return false;
        }

        if (match.Args is not null)
        {
            foreach (var condition in match.Args)
            {
                if (!ArgumentMatches(condition, request.Args))
                {
                    return false;
                }
            }
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

    private static bool AnyTargetMatches(IReadOnlyList<TargetCondition> conditions, IReadOnlyList<ActionTarget>? targets)
    {
        if (targets is null)
        {
            return false;
        }

        foreach (var target in targets)
        {
            foreach (var condition in conditions)
            {
                if ((condition.Kind is null || condition.Kind == target.Kind) && Glob.IsMatch(condition.Value, target.Value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool AnyProvenanceMatches(IReadOnlyList<ProvenanceCondition> conditions, IReadOnlyList<ProvenanceEntry>? entries)
    {
        if (entries is null)
        {
            return false;
        }

        foreach (var entry in entries)
        {
            foreach (var condition in conditions)
            {
                if ((condition.ArgPath is null || Glob.IsMatch(condition.ArgPath, entry.ArgPath)) && condition.Sources.Contains(entry.Source))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool ArgumentMatches(ArgumentCondition condition, JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Object || !JsonPath.TryResolve(args, condition.Path, out var value))
        {
            return false;
        }

        if (condition.EqualsValue is { } expected)
        {
            return value.ValueKind == JsonValueKind.String ? value.ValueEquals(expected) : value.GetRawText() == expected;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();
        if (condition.Glob is { } glob)
        {
            return Glob.IsMatch(glob, text);
        }

        return condition.Regex is { } regex && regex.IsMatch(text);
    }
}
