using System.Text.Json.Serialization;
using Gateway.Audit;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;

namespace Gateway.Oversight;

/// <summary>
/// Source-generated JSON for everything the library stores or sends: snake_case members, nulls
/// left out, independent of the host's JSON options.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ApprovalOutcomeDocument))]
[JsonSerializable(typeof(ApprovalRequest))]
[JsonSerializable(typeof(ApprovalPollResult))]
[JsonSerializable(typeof(WarrantClaims))]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(Incident))]
[JsonSerializable(typeof(IncidentNotification))]
[JsonSerializable(typeof(IncidentDelivery))]
[JsonSerializable(typeof(Delegations.DelegationRecord))]
[JsonSerializable(typeof(Delegations.DelegationIssued))]
[JsonSerializable(typeof(Runs.RunRecord))]
[JsonSerializable(typeof(Runs.RunEnd))]
[JsonSerializable(typeof(Runs.RunInfo))]
[JsonSerializable(typeof(Runs.RunEventRecorded))]
internal sealed partial class OversightJsonContext : JsonSerializerContext;
