using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// The person an agent acts for, as the tenant's OpenID provider vouched for them in a verified identity token:
/// the token's <c>sub</c>, its <c>iss</c>, and the groups its groups claim lists. Only identifiers; never the token.
/// </summary>
public sealed record ActingPerson(string Subject, string Issuer, IReadOnlyList<string> Groups)
{
    /// <summary>
    /// The person's id in the tenant's register (the ids under <c>approvers:</c> and <c>security_owner</c>), when the tenant
    /// names people by another claim than <c>sub</c> (the console's <c>PersonClaim</c>); null when it is their <c>sub</c>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RegisterId { get; init; }

    /// <summary>True when the person is in <paramref name="group"/> (ordinal: a group name is an identifier).</summary>
    public bool IsInGroup(string group)
    {
        for (var i = 0; i < Groups.Count; i++)
        {
            if (string.Equals(Groups[i], group, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
