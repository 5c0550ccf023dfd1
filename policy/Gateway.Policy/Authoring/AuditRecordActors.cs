using System.Text.Json;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Who acted in an audit record, as the offline tools replay it (<c>policy simulate --traffic</c>, <c>regress init</c>): the
/// registered agent (a delegated child's record is its chain's agent link) and the person, whose groups are never recorded.
/// </summary>
public static class AuditRecordActors
{
    /// <summary>The registered agent of <paramref name="record"/>: the agent link of its actor chain (a delegated child's record), else its <c>agent</c>; null when neither.</summary>
    public static string? RegisteredAgent(JsonElement record)
    {
        if (record.ValueKind == JsonValueKind.Object && record.TryGetProperty("actor_chain", out var chain) && chain.ValueKind == JsonValueKind.Array)
        {
            foreach (var link in chain.EnumerateArray())
            {
                if (Str(link, "kind") == "agent" && Str(link, "id") is { Length: > 0 } id)
                {
                    return id;
                }
            }
        }

        return Str(record, "agent");
    }

    /// <summary>The person the record's agent acted for (<c>person</c>, <c>person_issuer</c>; no groups); null for none.</summary>
    public static ActingPerson? Person(JsonElement record)
        => Str(record, "person") is { Length: > 0 } subject ? new ActingPerson(subject, Str(record, "person_issuer") ?? string.Empty, []) : null;

    /// <summary>
    /// The rules of <paramref name="tenant"/> with a <c>person_groups</c> condition (at any depth): a replayed case acting
    /// for a person could be decided otherwise by them, since the person's groups were not recorded.
    /// </summary>
    public static IReadOnlyList<string> PersonGroupRules(TenantPolicy tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return [.. tenant.Register.Rules.Where(static r => NamesGroups(r.Match)).Select(static r => r.Id)];
    }

    private static bool NamesGroups(RuleMatch? match)
        => match is not null && (match.PersonGroups is not null || NamesGroups(match.Not) || (match.Any ?? []).Any(NamesGroups) || (match.All ?? []).Any(NamesGroups));

    /// <summary>The string property <paramref name="name"/> of <paramref name="element"/>; null when it is not an object or the property is no string.</summary>
    internal static string? Str(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
