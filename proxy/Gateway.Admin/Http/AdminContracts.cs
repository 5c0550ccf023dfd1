using System.Text.Json;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Credentials;
using Gateway.Oversight.Incidents;

namespace Gateway.Admin.Http;

/// <summary>
/// Body of <c>POST /admin/v1/tokens</c>. Unknown members are refused (<see cref="AdminBody"/>): a miscased <c>"Tenant"</c>
/// read as absent would issue a token confined to no tenant.
/// </summary>
public sealed record IssueTokenRequest
{
    public string? Name { get; init; }

    public IReadOnlyList<string>? Roles { get; init; }

    /// <summary>The one tenant the token may act in; omitted for an operator token. Required for approvers.</summary>
    public string? Tenant { get; init; }

    /// <summary>The register person the token speaks for; required for approvers (one of the tenant's <c>approvers</c>).</summary>
    public string? Person { get; init; }
}

/// <summary>Body of credential put and rotate: the value, sent once and never returned. Unknown members are refused (<see cref="AdminBody"/>).</summary>
public sealed record CredentialValueRequest
{
    public string? Value { get; init; }
}

/// <summary>Body of <c>POST …/audit/evidence-manifest</c>: the SHA-256 (lowercase hex) of an evidence pack's manifest to sign. Unknown members are refused (<see cref="AdminBody"/>).</summary>
public sealed record EvidenceManifestRequest
{
    public string? ManifestSha256 { get; init; }
}

/// <summary>Response of the pending-approvals list.</summary>
public sealed record ApprovalListResponse(IReadOnlyList<ApprovalRequest> Approvals);

/// <summary>
/// Response of the agent kill-switch calls: the switches, the agent's secrets or keys by fingerprint (with which are
/// accepted and retired now), and how many delegated children it has live.
/// </summary>
public sealed record AgentStatusResponse(string Tenant, string Agent, bool Suspended, bool SecretRevoked)
{
    /// <summary>What the agent signs with; absent when it is not in the policy in force (a delegated child).</summary>
    public Oversight.Agents.AgentCredentials? Credentials { get; init; }

    /// <summary>The live children in the subtree the agent (or a child) issued.</summary>
    public int LiveDelegations { get; init; }
}

/// <summary>Response of an agent's delegations listing: its live subtree, each child after its parent.</summary>
public sealed record DelegationListResponse(string Tenant, string Agent, IReadOnlyList<Oversight.Delegations.DelegationInfo> Delegations);

/// <summary>Response of a delegation's revocation: the children revoked (the one named and its subtree).</summary>
public sealed record DelegationRevokedResponse(string Tenant, string Agent, IReadOnlyList<string> Revoked);

/// <summary>Body of <c>POST /admin/v1/tenants/{tenant}/runs/{run}/cancel</c> (optional): why. Unknown members are refused (<see cref="AdminBody"/>).</summary>
public sealed record RunCancelRequest
{
    public string? Reason { get; init; }
}

/// <summary>Response of the run listing: the tenant's runs the store still holds, newest first.</summary>
public sealed record RunListResponse(string Tenant, IReadOnlyList<Oversight.Runs.RunInfo> Runs);

/// <summary>
/// Response of one run: the run as stored (absent once the store forgot it) and a page of its records in the audit
/// journal in (time, replica, seq) order, with the next page's cursor (absent on the last page).
/// </summary>
public sealed record RunStoryResponse(string Tenant, string RunId, Oversight.Runs.RunInfo? Run, IReadOnlyList<JsonElement> Records, string? NextCursor);

/// <summary>Response of the audit record listing.</summary>
public sealed record AuditRecordsResponse(IReadOnlyList<JsonElement> Records, long? NextStart);

/// <summary>Response of the audit query: matching records in (time, replica, seq) order and the next page's cursor (absent on the last page).</summary>
/// <summary>Stored decision receipts rebuilt from the journal, each as its agent got it in <c>Gamut-Receipt</c>.</summary>
public sealed record AuditReceiptsResponse(IReadOnlyList<Gateway.Audit.AuditReceipt> Receipts);

public sealed record AuditQueryResponse(IReadOnlyList<JsonElement> Records, string? NextCursor);

/// <summary>Response of the incident listing.</summary>
public sealed record IncidentListResponse(IReadOnlyList<Incident> Incidents);

/// <summary>Response of the credential listing.</summary>
public sealed record CredentialListResponse(IReadOnlyList<CredentialInfo> Credentials);

/// <summary>
/// Response of re-encryption: the tenant's sealed records sealed again under the active data key, already under it, that
/// did not open (left as they are), changed meanwhile; the retired key ids some record still names; the same kind by kind.
/// </summary>
public sealed record CredentialsReencryptedResponse(int Reencrypted, int AlreadyCurrent, int Unreadable, int Changed,
    IReadOnlyList<string> RetiredKeysInUse, IReadOnlyList<SealedKindReencryption> Kinds);

/// <summary>Response of token revocation.</summary>
public sealed record TokenRevokedResponse(string Name, bool Revoked)
{
    /// <summary>The tokens revoked with it because it minted them, transitively (<c>&lt;tenant&gt;/&lt;name&gt;</c> for a tenant's).</summary>
    public IReadOnlyList<string> AlsoRevoked { get; init; } = [];
}

public sealed record TokenListResponse(IReadOnlyList<AdminTokenSummary> Tokens);

/// <summary>
/// Body of <c>POST /v1/decision-tokens/verify</c>: the token an executor was handed, and (an extension) whether to
/// consume it: a live token is answered live to one consuming call only, across replicas. Unknown members are refused (<see cref="AdminBody"/>).
/// </summary>
public sealed record VerifyDecisionTokenRequest
{
    public string? Token { get; init; }

    /// <summary>True to use the token up: live once, <c>revoked</c>/<c>used</c> from then on. Absent or false: only asked.</summary>
    public bool? Consume { get; init; }
}

/// <summary>
/// Response of <c>POST /v1/decision-tokens/verify</c>: the status, why when not live, and the token's claims when its
/// signature verified (never for an invalid token).
/// </summary>
public sealed record VerifyDecisionTokenResponse
{
    public required string Status { get; init; }

    public string? Reason { get; init; }

    public string? Tenant { get; init; }

    public string? Agent { get; init; }

    public string? Tool { get; init; }

    public string? IntentDigest { get; init; }

    public string? Decision { get; init; }

    public string? DegradeMode { get; init; }

    public string? TokenId { get; init; }

    public long? IssuedAt { get; init; }

    public long? ExpiresAt { get; init; }

    public string? RequestId { get; init; }

    public string? ApprovalId { get; init; }

    /// <summary>On a consuming call only: true when this call used the token up (it answers live), false otherwise.</summary>
    public bool? Consumed { get; init; }

    public bool? Evaluation { get; init; }

    /// <summary>Claim <c>chn</c>: who acted, when more than the agent alone (a delegated child's token); absent otherwise.</summary>
    public IReadOnlyList<Gateway.Policy.ActorLink>? ActorChain { get; init; }
}

/// <summary>Response of the tenant kill-switch calls.</summary>
public sealed record TenantStatusResponse(string Tenant, bool Suspended);
