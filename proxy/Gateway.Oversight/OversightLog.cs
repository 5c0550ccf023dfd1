using Microsoft.Extensions.Logging;

namespace Gateway.Oversight;

/// <summary>Every log message of the library. No token, secret or credential value is ever a parameter.</summary>
internal static partial class OversightLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Approval {ApprovalId} opened for tenant {Tenant}, agent {Agent}, tool {Tool}; {Required} approval(s) required")]
    public static partial void ApprovalCreated(ILogger logger, string tenant, string approvalId, string agent, string tool, int required);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Approval {ApprovalId} of tenant {Tenant}: {Approver} approved ({Count}/{Required})")]
    public static partial void ApprovalVote(ILogger logger, string tenant, string approvalId, string approver, long count, int required);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Approval {ApprovalId} of tenant {Tenant} is now {Status}")]
    public static partial void ApprovalSettled(ILogger logger, string tenant, string approvalId, string status);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Warrant of approval {ApprovalId} redeemed by agent {Agent} of tenant {Tenant}")]
    public static partial void WarrantRedeemed(ILogger logger, string tenant, string agent, string approvalId);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Warrant refused for agent {Agent} of tenant {Tenant}: {Reason}")]
    public static partial void WarrantRefused(ILogger logger, string tenant, string agent, string reason);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Admin token {Name} issued with roles {Roles}")]
    public static partial void AdminTokenIssued(ILogger logger, string name, string roles);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Admin token {Name} revoked")]
    public static partial void AdminTokenRevoked(ILogger logger, string name);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Admin API refused {Method} {Path}: {Code}")]
    public static partial void AdminRefused(ILogger logger, string method, string path, string code);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Kill switch {Switch} of agent {Agent} (tenant {Tenant}) set to {On} by {Actor}")]
    public static partial void AgentSwitch(ILogger logger, string tenant, string agent, string @switch, bool on, string actor);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "Kill switch {Switch} of tenant {Tenant} set to {On} by {Actor}")]
    public static partial void TenantSwitch(ILogger logger, string tenant, string @switch, bool on, string actor);

    [LoggerMessage(EventId = 4080, Level = LogLevel.Warning, Message = "Decision tokens of tenant {Tenant}, agent {Agent} revoked ({Cause}); token generation now {Generation}")]
    public static partial void TokensRevoked(ILogger logger, string tenant, string agent, string cause, long generation);

    [LoggerMessage(EventId = 4081, Level = LogLevel.Warning, Message = "Approval {ApprovalId} of tenant {Tenant} revoked by {Actor}: its warrant and the decision tokens issued under it are void")]
    public static partial void ApprovalRevoked(ILogger logger, string tenant, string approvalId, string actor);

    [LoggerMessage(EventId = 4082, Level = LogLevel.Warning, Message = "A decision token could not be verified: the state store is unavailable (answered 503, never live)")]
    public static partial void TokenVerificationUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Error, Message = "Audit append failed for tenant {Tenant}")]
    public static partial void AuditAppendFailed(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Error, Message = "Audit chain of tenant {Tenant} stayed contended for {Attempts} attempts")]
    public static partial void AuditContended(ILogger logger, string tenant, int attempts);

    [LoggerMessage(EventId = 4032, Level = LogLevel.Error, Message = "Audit chain of tenant {Tenant} is broken at index {Index}: {Reason}")]
    public static partial void AuditChainBroken(ILogger logger, string tenant, long index, string reason);

    [LoggerMessage(EventId = 4033, Level = LogLevel.Warning, Message = "Audit export of record {Seq} of tenant {Tenant} failed")]
    public static partial void AuditExportFailed(ILogger logger, Exception exception, string tenant, long seq);

    [LoggerMessage(EventId = 4034, Level = LogLevel.Warning, Message = "Audit file of tenant {Tenant} ended in a torn line of {Bytes} bytes (never acknowledged); cut off")]
    public static partial void AuditTornTail(ILogger logger, string tenant, long bytes);

    [LoggerMessage(EventId = 4035, Level = LogLevel.Information, Message = "Audit file of tenant {Tenant} recovered with {Records} records")]
    public static partial void AuditRecovered(ILogger logger, string tenant, long records);

    [LoggerMessage(EventId = 4040, Level = LogLevel.Warning, Message = "Incident {IncidentId} opened for tenant {Tenant}, agent {Agent}, tool {Tool}")]
    public static partial void IncidentOpened(ILogger logger, string tenant, string incidentId, string agent, string tool);

    [LoggerMessage(EventId = 4041, Level = LogLevel.Information, Message = "Incident {IncidentId} of tenant {Tenant} notified on attempt {Attempt}")]
    public static partial void IncidentNotified(ILogger logger, string tenant, string incidentId, int attempt);

    [LoggerMessage(EventId = 4042, Level = LogLevel.Warning, Message = "Incident {IncidentId} of tenant {Tenant}: webhook answered {Status} on attempt {Attempt}")]
    public static partial void IncidentNotifyRejected(ILogger logger, string tenant, string incidentId, int attempt, int status);

    [LoggerMessage(EventId = 4043, Level = LogLevel.Warning, Message = "Incident {IncidentId} of tenant {Tenant}: webhook attempt {Attempt} failed")]
    public static partial void IncidentNotifyFailed(ILogger logger, Exception exception, string tenant, string incidentId, int attempt);

    [LoggerMessage(EventId = 4044, Level = LogLevel.Error, Message = "Incident {IncidentId} of tenant {Tenant}: notification dropped after {Attempts} attempts")]
    public static partial void IncidentNotifyGaveUp(ILogger logger, string tenant, string incidentId, int attempts);

    [LoggerMessage(EventId = 4045, Level = LogLevel.Error, Message = "The incident outbox could not be read or updated; retrying")]
    public static partial void IncidentOutboxUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4050, Level = LogLevel.Warning, Message = "Admin token confined to another tenant refused on {Method} {Path} (token {TokenName})")]
    public static partial void AdminCrossTenantRefused(ILogger logger, string method, string path, string tokenName);

    [LoggerMessage(EventId = 4051, Level = LogLevel.Warning, Message = "Admin authentication throttled for source {Source} for {RetryAfterSeconds} s")]
    public static partial void AdminAuthThrottled(ILogger logger, string source, long retryAfterSeconds);

    [LoggerMessage(EventId = 4060, Level = LogLevel.Error, Message = "Audit backlog full ({Capacity} entries) while the sink is down: a refusal of tenant {Tenant} will not be recorded")]
    public static partial void AuditBacklogFull(ILogger logger, string tenant, int capacity);

    [LoggerMessage(EventId = 4061, Level = LogLevel.Information, Message = "Audit sink recovered: wrote {Count} records that waited in the backlog")]
    public static partial void AuditBacklogWritten(ILogger logger, int count);

    [LoggerMessage(EventId = 4070, Level = LogLevel.Information, Message = "Audit retention of tenant {Tenant}: exported {Records} records before {Cutoff} to {File}, retired {Retired}")]
    public static partial void AuditRetired(ILogger logger, string tenant, long records, DateTimeOffset cutoff, string file, long retired);

    [LoggerMessage(EventId = 4071, Level = LogLevel.Error, Message = "Audit retention of tenant {Tenant} failed before anything was retired: the export could not be written")]
    public static partial void AuditRetentionExportFailed(ILogger logger, string tenant, Exception exception);

    [LoggerMessage(EventId = 4072, Level = LogLevel.Error, Message = "Audit retention of tenant {Tenant} failed")]
    public static partial void AuditRetentionFailed(ILogger logger, string tenant, Exception exception);

    [LoggerMessage(EventId = 4073, Level = LogLevel.Information, Message = "Records retention before {Cutoff}: removed {Approvals} approvals, {WarrantUses} warrant uses, {Notifications} delivered notifications")]
    public static partial void RecordsRetired(ILogger logger, DateTimeOffset cutoff, long approvals, long warrantUses, long notifications);

    [LoggerMessage(EventId = 4074, Level = LogLevel.Error, Message = "Records retention failed; nothing was removed, the next run tries again")]
    public static partial void RecordsRetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4091, Level = LogLevel.Warning, Message = "Checkpoint of {Partition} at size {TreeSize} not accepted by the witness (attempt {Attempt}: {Error})")]
    public static partial void WitnessPushFailed(ILogger logger, string partition, long treeSize, int attempt, string error);

    [LoggerMessage(EventId = 4092, Level = LogLevel.Error, Message = "Checkpoint of {Partition} at size {TreeSize} dropped after {Attempts} attempts to reach the witness")]
    public static partial void WitnessPushDropped(ILogger logger, string partition, long treeSize, int attempts);

    [LoggerMessage(EventId = 4093, Level = LogLevel.Error, Message = "Checkpointing the audit chain {Partition} failed; the next interval tries again")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception, string partition);

    [LoggerMessage(EventId = 4094, Level = LogLevel.Error, Message = "Signing the decision receipts of an audit group of tenant {Tenant} failed; their requests are refused")]
    public static partial void ReceiptSigningFailed(ILogger logger, Exception exception, string tenant);
}
