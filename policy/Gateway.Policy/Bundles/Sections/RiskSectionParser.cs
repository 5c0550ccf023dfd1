using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads the <c>risks</c> section (a risk or finding and the agents it concerns) and the <c>red_team_tests</c>
/// section (an agent, a scenario, whether it passed and when).
/// </summary>
internal sealed class RiskSectionParser(YamlNodeReader reader, CrossReferences references)
{
    public RiskItem? ParseRisk(YamlNode node)
    {
        var f = reader.Mapping(node, "risk", "id", "kind", "title", "severity", "status", "agents");
        if (f is null)
        {
            return null;
        }

        var id = f.RequiredString("id");
        var severity = f.Required("severity") is { } s ? reader.Enum<Severity>(s, "severity") : null;
        var agents = f.Required("agents") is { } a ? references.ReferencedList(a, "agent", $"risk '{id}'") : [];
        return id is null || severity is null ? null : new RiskItem
        {
            Id = id,
            Kind = f["kind"] is { } k ? reader.Enum<RiskItemKind>(k, "risk kind") ?? RiskItemKind.Finding : RiskItemKind.Finding,
            Title = f.OptionalString("title"),
            Severity = severity.Value,
            Status = f["status"] is { } st ? reader.Enum<RiskItemStatus>(st, "status") ?? RiskItemStatus.Open : RiskItemStatus.Open,
            Agents = agents,
        };
    }

    public RedTeamTest? ParseRedTeam(YamlNode node)
    {
        var f = reader.Mapping(node, "red-team test", "agent", "scenario", "passed", "date");
        if (f is null)
        {
            return null;
        }

        var agent = f.RequiredString("agent");
        if (agent == "*")
        {
            // A test is of one agent: a passed one under `*` would vouch for agents it never tested.
            reader.Error(f["agent"]!, BundleErrorCodes.InvalidValue, "a red-team test is of one agent: name the agent tested, not '*'");
        }
        else if (agent is not null)
        {
            references.Reference(f["agent"]!, "agent", agent, "red-team test");
        }

        var scenario = f.RequiredString("scenario");
        var passed = f.Required("passed") is { } p ? reader.Bool(p, "passed") : null;
        DateOnly? date = null;
        if (f["date"] is { } d && reader.String(d, "date") is { } dateText)
        {
            if (DateOnly.TryParseExact(dateText, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var parsed))
            {
                date = parsed;
            }
            else
            {
                reader.Error(d, BundleErrorCodes.InvalidValue, $"date '{dateText}' must be YYYY-MM-DD");
            }
        }

        return agent is null || scenario is null || passed is null ? null : new RedTeamTest { Agent = agent, Scenario = scenario, Passed = passed.Value, Date = date };
    }
}
