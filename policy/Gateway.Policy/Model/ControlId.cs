using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The eleven controls, in evaluation order (decision-model §3).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ControlId>))]
public enum ControlId
{
    [JsonStringEnumMemberName("agent_registration")]
    AgentRegistration,

    [JsonStringEnumMemberName("lifecycle")]
    Lifecycle,

    [JsonStringEnumMemberName("human_owner")]
    HumanOwner,

    [JsonStringEnumMemberName("security_owner")]
    SecurityOwner,

    [JsonStringEnumMemberName("atf_boundary")]
    AtfBoundary,

    [JsonStringEnumMemberName("tool_permission")]
    ToolPermission,

    [JsonStringEnumMemberName("approval_gate")]
    ApprovalGate,

    [JsonStringEnumMemberName("data_movement")]
    DataMovement,

    [JsonStringEnumMemberName("incident_playbooks")]
    IncidentPlaybooks,

    [JsonStringEnumMemberName("risks_findings")]
    RisksFindings,

    [JsonStringEnumMemberName("red_team")]
    RedTeam,
}
