using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Admin.Http;
using Gateway.Admin.Tokens;
using Gateway.Audit;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Credentials;

namespace Gateway.Admin;

/// <summary>
/// Source-generated JSON for everything the admin API stores (admin tokens) or reads and sends: the same wire format as
/// Gateway.Oversight's (snake_case members, nulls left out), independent of the host's JSON options.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ApprovalRequest))]
[JsonSerializable(typeof(AdminTokenRecord))]
[JsonSerializable(typeof(IssuedAdminToken))]
[JsonSerializable(typeof(AuditRecord))]
[JsonSerializable(typeof(AuditVerification))]
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
[JsonSerializable(typeof(CredentialsReencryptedResponse))]
[JsonSerializable(typeof(TokenRevokedResponse))]
[JsonSerializable(typeof(TokenListResponse))]
[JsonSerializable(typeof(DelegationListResponse))]
[JsonSerializable(typeof(DelegationRevokedResponse))]
[JsonSerializable(typeof(Oversight.Runs.RunInfo))]
[JsonSerializable(typeof(RunCancelRequest))]
[JsonSerializable(typeof(RunListResponse))]
[JsonSerializable(typeof(RunStoryResponse))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
