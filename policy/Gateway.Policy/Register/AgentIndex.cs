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

    /// <summary>
    /// The classes the agent may touch at all: every class for a registered agent; for a delegated child, those at or
    /// below its grant's ceiling (a request beyond it fails data movement, critical).
    /// </summary>
    public DataClassSet DataClassCeiling { get; init; } = DelegationCeilings.AtOrBelow(DelegationCeilings.Unbounded);

    /// <summary>True for a delegated child narrowed from its registered agent's entry.</summary>
    public bool Delegated { get; init; }
}
