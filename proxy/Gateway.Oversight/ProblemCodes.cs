namespace Gateway.Oversight;

/// <summary>
/// The stable snake_case reason codes of every refusal the gateway writes (the <c>code</c> member of
/// problem+json, of an OpenAI error object, and of a JSON-RPC error's <c>data</c>): the agent routes', the
/// authorization server's and the admin API's (approval codes are <see cref="Approvals.ApprovalErrorCodes"/>). One
/// list, here because Gateway.Proxy, Gateway.Admin and Gateway.Authorization all read Gateway.Oversight. Clients
/// branch on these; never rename one.
/// </summary>
public static class ProblemCodes
{
    // 401: authentication
    public const string MissingHeader = "missing_header";
    public const string MalformedHeader = "malformed_header";
    public const string UnknownAgent = "unknown_agent";
    public const string SecretRevoked = "secret_revoked";
    public const string SecretRetired = "secret_retired";
    public const string SignatureMismatch = "signature_mismatch";
    public const string StaleTimestamp = "stale_timestamp";
    public const string ReplayedNonce = "replayed_nonce";
    public const string SecretPresentedOtherwise = "secret_presented_otherwise";
    public const string AccessTokenInvalid = "access_token_invalid";
    public const string AccessTokenExpired = "access_token_expired";

    /// <summary>An OAuth protected resource (/mcp) asked without any credential: the RFC 9728 challenge, nothing about signing.</summary>
    public const string AccessTokenMissing = "access_token_missing";
    public const string DpopProofInvalid = "dpop_proof_invalid";

    // The person an agent acts for (X-Gamut-Person): 401 for the token, 503 when its provider cannot be read.
    public const string PersonTokenInvalid = "person_token_invalid";
    public const string PersonTokenExpired = "person_token_expired";
    public const string PersonTokenUnbound = "person_token_unbound";
    public const string PersonProviderUnavailable = "person_provider_unavailable";
    /// <summary>403: the person is suspended by an administrator of the tenant (the console's suspension).</summary>
    public const string PersonSuspended = "person_suspended";
    // 401: the RFC 9421 profile (agents registered with a public key)
    public const string SignatureSchemeMismatch = "signature_scheme_mismatch";
    public const string SignatureComponentMissing = "signature_component_missing";
    public const string SignatureComponentUnsupported = "signature_component_unsupported";
    public const string ContentDigestMismatch = "content_digest_mismatch";
    public const string UnknownKeyId = "unknown_key_id";
    public const string KeyAlgorithmMismatch = "key_algorithm_mismatch";

    // 400 / 404 / 413 / 415: the request itself
    public const string MalformedBody = "malformed_body";
    public const string SecretMaterialInPayload = "secret_material_in_payload";
    public const string UnknownConnector = "unknown_connector";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string BadRequest = "bad_request";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RequestTimeout = "request_timeout";
    public const string PathNotCanonical = "path_not_canonical";
    public const string MethodOverrideRefused = "method_override_refused";
    public const string UpgradeRefused = "upgrade_refused";
    public const string OperationNotMapped = "operation_not_mapped";
    public const string UnknownTool = "unknown_tool";
    public const string InvalidArguments = Gateway.Policy.Tools.ToolInputRefusal.Code;
    public const string ToolDefinitionChanged = "tool_definition_changed";
    public const string McpSessionLimit = "mcp_session_limit";
    public const string McpPendingLimit = "mcp_pending_limit";
    public const string OriginNotAllowed = "origin_not_allowed";
    public const string McpHeaderMismatch = "mcp_header_mismatch";
    public const string McpUnsupportedProtocolVersion = "mcp_unsupported_protocol_version";
    public const string McpServerRequestNotRelayed = "mcp_server_request_not_relayed";
    public const string McpAnswerUnknown = "mcp_answer_unknown";
    public const string McpStreamUnknown = "mcp_stream_unknown";
    public const string McpStreamInUse = "mcp_stream_in_use";
    public const string McpSubscriptionLimit = "mcp_subscription_limit";
    public const string McpSessionNotFound = "mcp_session_not_found";

    /// <summary>400: a model request names a tool the provider runs itself (web search, code execution, an MCP server) that its connector's <c>provider_tools</c> does not allow; nothing was forwarded.</summary>
    public const string ProviderToolNotAllowed = "provider_tool_not_allowed";

    // A2A (docs/a2a.md): a remote agent's card, skills, tasks and push-notification webhooks.
    public const string A2aUnknownSkill = "a2a_unknown_skill";
    public const string A2aMetadataConflict = "a2a_metadata_conflict";
    public const string A2aTaskConflict = "a2a_task_conflict";
    public const string A2aUnsupportedOperation = "a2a_unsupported_operation";
    public const string A2aTaskNotFound = "a2a_task_not_found";
    public const string A2aPushUrlRefused = "a2a_push_url_refused";
    public const string A2aPushUrlUnresolved = "a2a_push_url_unresolved";
    public const string A2aCardUnverified = "a2a_card_unverified";
    public const string A2aCardUnavailable = "a2a_card_unavailable";

    /// <summary>403: a person's access token lacks the scope the tool needs (MCP scope step-up; the OAuth error's name, RFC 6750 §3.1).</summary>
    public const string InsufficientScope = "insufficient_scope";

    // 403 / 409 / 429: decisions and limits
    public const string Blocked = "blocked";
    public const string BlockedIncidentOpened = "blocked_incident_opened";
    public const string ApprovalRequired = "approval_required";
    public const string WarrantRejected = "warrant_rejected";
    public const string RateLimited = "rate_limited";
    public const string BudgetExhausted = "budget_exhausted";
    public const string DegradeRefused = "degrade_refused";

    // 429: a require_approval whose registered agent already has Gateway:Approvals:MaxOpenPerAgent approvals open (none is opened)
    public const string ApprovalsOpenLimit = "approvals_open_limit";

    // A connector that acts for a person: 403 without one, 403/503 when their upstream credential cannot be had.
    public const string PersonRequired = "person_required";
    public const string PersonTokenExchangeFailed = "person_token_exchange_failed";
    public const string PersonCredentialUnavailable = "person_credential_unavailable";

    // A per_person connector: 403 until the person links their upstream account (the problem's link_url), and again
    // after a refresh of the link failed (the link is removed).
    public const string UpstreamAccountNotLinked = "upstream_account_not_linked";
    public const string UpstreamAccountRelinkRequired = "upstream_account_relink_required";

    // A per_person connector and a delegated child acting for the person: 403 unless the connector says delegated: true.
    public const string PersonDelegationNotAllowed = "person_delegation_not_allowed";

    // 403: an evaluation's decision token presented on the action (X-Gamut-Decision-Token)
    public const string DecisionTokenInvalid = "decision_token_invalid";
    public const string DecisionTokenExpired = "decision_token_expired";
    public const string DecisionTokenRevoked = "decision_token_revoked";
    public const string DecisionTokenUsed = "decision_token_used";
    public const string DecisionTokenMismatch = "decision_token_mismatch";

    // 503, retry: the decision was made on a replica's view of the agent's token generations, which an operator moved
    // (a suspension and resumption, of the agent or its tenant, through another replica) before its store call read them
    public const string DecisionOutdated = "decision_outdated";

    // 403: POST /v1/delegations
    public const string DelegationWidensAuthority = "delegation_widens_authority";
    public const string DelegatorSuspended = "delegator_suspended";

    // 429: POST /v1/delegations beyond the registered agent's issuance limit (delegation.issuance_limit per issuance_window)
    public const string DelegationRateLimited = "delegation_rate_limited";

    // Runs (X-Gamut-Run, POST /v1/runs): 403 a run that is not the agent's (unknown, another agent's or tenant's: one
    // code for all), 409 a run that was cancelled or has ended
    public const string RunForeign = "run_foreign";
    public const string RunCancelled = "run_cancelled";
    public const string RunEnded = "run_ended";

    // A run's limits (run_limits): 429 a limit of the run used up (actions, tokens, cost, duration; which in "limit"), 403
    // an action the run's loop detection blocked (an approval or an incident it chose keeps their codes)
    public const string RunLimitExceeded = Gateway.Policy.RunLimitExplanations.LimitExceeded;
    public const string RunLoopDetected = Gateway.Policy.RunLimitExplanations.LoopDetected;

    /// <summary>403: a run's <c>cost</c> limit applies and the connector's <c>pricing</c> gives no price for the model the call names (no listed one, no flat one); nothing was forwarded.</summary>
    public const string ModelNotPriced = "model_not_priced";

    // 5xx: fail closed
    public const string StoreUnavailable = "store_unavailable";
    public const string AuditUnavailable = "audit_unavailable";
    public const string PolicyUnavailable = "policy_unavailable";
    public const string UpstreamUnavailable = "upstream_unavailable";
    public const string UpstreamTimeout = "upstream_timeout";
    public const string CredentialUnavailable = "credential_unavailable";
    public const string ResponseTooLarge = "response_too_large";

    /// <summary>502: the upstream's answer is not something redaction can inspect (its media type, charset or encoding, bytes that are not text); nothing of it was passed on.</summary>
    public const string ResponseUninspectable = "response_uninspectable";
    public const string InternalError = "internal_error";

    // The admin API
    public const string TokenMissing = "admin_token_missing";
    public const string TokenInvalid = "admin_token_invalid";
    public const string TokenRevoked = "admin_token_revoked";
    public const string RoleRequired = "admin_role_required";
    public const string AuthThrottled = "admin_auth_throttled";
    public const string TenantForbidden = "tenant_forbidden";
    public const string TenantNotFound = "tenant_not_found";
    public const string AgentNotFound = "agent_not_found";
    public const string NoSecretRotation = "no_secret_rotation";
    public const string DelegationNotFound = "delegation_not_found";
    public const string RunNotFound = "run_not_found";
    public const string InvalidTenant = "invalid_tenant";
    public const string InvalidAgent = "invalid_agent";
    public const string InvalidName = "invalid_name";
    public const string InvalidBody = "invalid_body";
    public const string InvalidQuery = "invalid_query";

    /// <summary>A stored receipt batch cannot be rebuilt from its records (the detail names it): no receipt is given.</summary>
    public const string AuditReceiptsMismatch = "audit_receipts_mismatch";
    public const string TokenNotFound = "token_not_found";
    public const string CredentialNotFound = "credential_not_found";
    public const string CredentialsNotConfigured = "credentials_not_configured";

    /// <summary>409: another write to the credential landed first on every attempt; nothing was written, retry.</summary>
    public const string CredentialWriteConflict = "credential_write_conflict";
}
