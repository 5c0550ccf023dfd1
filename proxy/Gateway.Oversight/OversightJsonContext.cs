using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Audit;
using Gateway.Oversight.Admin;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Credentials;
using Gateway.Oversight.Http;
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
[JsonSerializable(typeof(AdminTokenRecord))]
[JsonSerializable(typeof(IssuedAdminToken))]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(AuditVerification))]
[JsonSerializable(typeof(Incident))]
[JsonSerializable(typeof(IncidentNotification))]
[JsonSerializable(typeof(IncidentDelivery))]
[JsonSerializable(typeof(CredentialInfo))]
[JsonSerializable(typeof(IssueTokenRequest))]
[JsonSerializable(typeof(CredentialValueRequest))]
[JsonSerializable(typeof(EvidenceManifestRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(ApprovalListResponse))]
[JsonSerializable(typeof(AgentStatusResponse))]
[JsonSerializable(typeof(TenantStatusResponse))]
[JsonSerializable(typeof(VerifyDecisionTokenRequest))]
[JsonSerializable(typeof(VerifyDecisionTokenResponse))]
[JsonSerializable(typeof(AuditRecordsResponse))]
[JsonSerializable(typeof(AuditQueryResponse))]
[JsonSerializable(typeof(AuditReceiptsResponse))]
[JsonSerializable(typeof(IncidentListResponse))]
[JsonSerializable(typeof(CredentialListResponse))]
[JsonSerializable(typeof(TokenRevokedResponse))]
[JsonSerializable(typeof(TokenListResponse))]
[JsonSerializable(typeof(Delegations.DelegationRecord))]
[JsonSerializable(typeof(Delegations.DelegationIssued))]
[JsonSerializable(typeof(DelegationListResponse))]
[JsonSerializable(typeof(DelegationRevokedResponse))]
[JsonSerializable(typeof(Runs.RunRecord))]
[JsonSerializable(typeof(Runs.RunEnd))]
[JsonSerializable(typeof(Runs.RunInfo))]
[JsonSerializable(typeof(Runs.RunEventRecorded))]
[JsonSerializable(typeof(RunCancelRequest))]
[JsonSerializable(typeof(RunListResponse))]
[JsonSerializable(typeof(RunStoryResponse))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class OversightJsonContext : JsonSerializerContext;
