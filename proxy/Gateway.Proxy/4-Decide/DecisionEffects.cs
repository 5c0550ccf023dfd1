using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;

namespace Gateway.Proxy.Decide;

/// <summary>
/// The side effects a decision asks for, as data. Deciding writes nothing: it names what is to be written (with the ids
/// the decision's record and answer carry, chosen here), and the Enforce stage carries it out once the decision is
/// recorded: the approval request opened with the decision's receipt in the same write, the incident opened, the
/// warrant redeemed. At most one of them is set (they follow from different decisions).
/// </summary>
internal sealed record DecisionEffects
{
    /// <summary>A decision that asks for nothing.</summary>
    public static readonly DecisionEffects None = new();

    /// <summary>require_approval: the approval request to open, built and checked (<see cref="ApprovalService.Prepare"/>), not stored.</summary>
    public ApprovalRequest? OpenApproval { get; init; }

    /// <summary>block_and_open_incident: the incident to open, built (<see cref="IncidentService.Prepare"/>), not stored.</summary>
    public Incident? OpenIncident { get; init; }

    /// <summary>A require_approval satisfied by a warrant the checks accepted: the warrant to redeem (used once) before anything runs.</summary>
    public WarrantPresentation? RedeemWarrant { get; init; }
}
