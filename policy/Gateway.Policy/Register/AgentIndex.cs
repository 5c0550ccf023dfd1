using System.Collections.Frozen;

namespace Gateway.Policy;

/// <summary>An agent with everything the decision path needs about it, precomputed at load.</summary>
internal sealed class AgentIndex
{
    public AgentIndex(
        AgentRecord record,
        FrozenDictionary<string, PermissionIndex> permissions,
        FrozenDictionary<string, DataClassSet> flowsByTool,
        OpenRisk[] openRisks,
        bool hasPassedRedTeam)
    {
        Record = record;
        Permissions = permissions;
        FlowsByTool = flowsByTool;
        OpenRisks = openRisks;
        HasPassedRedTeam = hasPassedRedTeam;
        foreach (var risk in openRisks)
        {
            if (risk.Kind == RiskItemKind.Finding && risk.Severity == Severity.Critical)
            {
                HasOpenCriticalFinding = true;
            }
        }
    }

    public AgentRecord Record { get; }

    public FrozenDictionary<string, PermissionIndex> Permissions { get; }

    public FrozenDictionary<string, DataClassSet> FlowsByTool { get; }

    /// <summary>Open risks and findings linked to the agent (shared, immutable).</summary>
    public OpenRisk[] OpenRisks { get; }

    public bool HasOpenCriticalFinding { get; }

    public bool HasPassedRedTeam { get; }
}
