namespace Gateway.Oversight.Http;

/// <summary>The stable <c>code</c> values of the admin API's problem responses (besides approval codes).</summary>
public static class ProblemCodes
{
    public const string TokenMissing = "admin_token_missing";
    public const string TokenInvalid = "admin_token_invalid";
    public const string TokenRevoked = "admin_token_revoked";
    public const string RoleRequired = "admin_role_required";
    public const string AuthThrottled = "admin_auth_throttled";
    public const string TenantForbidden = "tenant_forbidden";
    public const string TenantNotFound = "tenant_not_found";
    public const string AgentNotFound = "agent_not_found";
    public const string InvalidTenant = "invalid_tenant";
    public const string InvalidAgent = "invalid_agent";
    public const string InvalidName = "invalid_name";
    public const string InvalidBody = "invalid_body";
    public const string InvalidQuery = "invalid_query";
    public const string TokenNotFound = "token_not_found";
    public const string CredentialNotFound = "credential_not_found";
    public const string CredentialsNotConfigured = "credentials_not_configured";
    public const string StoreUnavailable = "store_unavailable";
    public const string AuditUnavailable = "audit_unavailable";
}
