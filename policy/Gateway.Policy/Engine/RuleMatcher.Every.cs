using System.Text.Json;

namespace Gateway.Policy;

/// <summary>
/// The every-value half of <see cref="RuleMatcher"/>, which an <c>allow</c> rule reads its request conditions and its
/// <c>data_classes</c> with: every declared target, every provenance entry, every value an argument path resolves to, every
/// element of an array, every address of a recipient list and every class of the action must match, and there must be at
/// least one; <c>equals</c> holds for a number of the same decimal value only. Under <c>any</c> one allowed value beside
/// another would lift <c>default_verdict</c> for both (<c>"ok@example.com, x@evil.com"</c>, a declared <c>public</c> beside
/// the catalog's <c>confidential</c>).
/// </summary>
internal static partial class RuleMatcher
{
    /// <summary>Targets are declared and each is (<paramref name="matched"/> true) or is not (false) matched by a condition.</summary>
    internal static bool EveryTarget(IReadOnlyList<TargetCondition> conditions, IReadOnlyList<ActionTarget>? targets, bool matched)
    {
        if (targets is not { Count: > 0 })
        {
            return false;
        }

        foreach (var target in targets)
        {
            if (TargetAllowedBy(conditions, target) != matched)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The action has a data class and each of its classes (the catalog's and the request's) is in <paramref name="classes"/>.</summary>
    internal static bool EveryClassIn(DataClassSet classes, DataClassSet actionClasses) =>
        actionClasses != DataClassSet.None && (actionClasses & ~classes) == 0;

    /// <summary>Provenance is declared and each entry matches a condition.</summary>
    internal static bool EveryProvenanceMatches(IReadOnlyList<ProvenanceCondition> conditions, IReadOnlyList<ProvenanceEntry>? entries)
    {
        if (entries is not { Count: > 0 })
        {
            return false;
        }

        foreach (var entry in entries)
        {
            if (!ProvenanceEntryMatches(conditions, entry))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The path resolves to a value, and every value it resolves to matches in full.</summary>
    internal static bool ArgumentMatchesEvery(ArgumentCondition condition, JsonElement args) =>
        args.ValueKind == JsonValueKind.Object && JsonPath.EveryResolved(args, condition.Path, condition, ResolvedMatchesEvery);

    // A container: a glob over every member name and every value at any depth; another condition over every element. An
    // empty container holds nothing the rule allows.
    private static bool ResolvedMatchesEvery(ArgumentCondition condition, JsonElement value)
    {
        if (condition.Glob is { } glob && value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
        {
            return GlobMatchesThroughout(glob, value);
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return ValueMatchesEvery(condition, value);
        }

        var elements = 0;
        foreach (var element in value.EnumerateArray())
        {
            elements++;
            if (!ValueMatchesEvery(condition, element))
            {
                return false;
            }
        }

        return elements > 0;
    }

    private static bool GlobMatchesThroughout(string glob, JsonElement value)
    {
        var found = false;
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var element in value.EnumerateArray())
                {
                    found = true;
                    if (!GlobMatchesThroughout(glob, element))
                    {
                        return false;
                    }
                }

                return found;
            case JsonValueKind.Object:
                foreach (var member in value.EnumerateObject())
                {
                    found = true;
                    if (!ValueForms.GlobMatches(glob, member.Name, every: true) || !GlobMatchesThroughout(glob, member.Value))
                    {
                        return false;
                    }
                }

                return found;
            case JsonValueKind.String:
                return ValueForms.GlobMatches(glob, value.GetString() ?? string.Empty, every: true);
            default:
                return ValueForms.GlobMatches(glob, value.GetRawText(), every: true);
        }
    }

    // A recipient list: every address; regex sees the one value as under any, and equals a number's exact value.
    private static bool ValueMatchesEvery(ArgumentCondition condition, JsonElement value)
    {
        if (condition.EqualsValue is null && condition.Regex is null)
        {
            var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();
            if (condition.Glob is { } glob)
            {
                return ValueForms.GlobMatches(glob, text, every: true);
            }

            if (condition.NotIn is { } allowlist)
            {
                return ValueForms.OutsideAll(allowlist, text, every: true);
            }
        }

        return ValueMatches(condition, value, exact: true);
    }
}
