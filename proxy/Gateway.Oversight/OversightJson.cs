using System.Text.Json.Serialization.Metadata;
using Gateway.Audit;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;

namespace Gateway.Oversight;

/// <summary>
/// Serialisation metadata for the types the host writes into its own responses, in the wire
/// format (snake_case, nulls left out): e.g. <c>Results.Json(poll, OversightJson.ApprovalPollResult)</c>.
/// </summary>
public static class OversightJson
{
    public static JsonTypeInfo<ApprovalPollResult> ApprovalPollResult => OversightJsonContext.Default.ApprovalPollResult;

    public static JsonTypeInfo<ApprovalRequest> ApprovalRequest => OversightJsonContext.Default.ApprovalRequest;

    public static JsonTypeInfo<AuditRecord> AuditRecord => OversightJsonContext.Default.AuditRecord;

    public static JsonTypeInfo<Incident> Incident => OversightJsonContext.Default.Incident;

    public static JsonTypeInfo<Delegations.DelegationIssued> DelegationIssued => OversightJsonContext.Default.DelegationIssued;

    public static JsonTypeInfo<Runs.RunInfo> RunInfo => OversightJsonContext.Default.RunInfo;

    public static JsonTypeInfo<Runs.RunEventRecorded> RunEventRecorded => OversightJsonContext.Default.RunEventRecorded;
}
