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

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Tenant {Tenant} could not be added to the tenants whose pending approvals are counted ({Error}); its next approval adds it")]
    public static partial void ApprovalTenantNotRemembered(ILogger logger, string tenant, string error);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Kill switch {Switch} of agent {Agent} (tenant {Tenant}) set to {On} by {Actor}")]
    public static partial void AgentSwitch(ILogger logger, string tenant, string agent, string @switch, bool on, string actor);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "Kill switch {Switch} of tenant {Tenant} set to {On} by {Actor}")]
    public static partial void TenantSwitch(ILogger logger, string tenant, string @switch, bool on, string actor);

    [LoggerMessage(EventId = 4080, Level = LogLevel.Warning, Message = "Decision tokens of tenant {Tenant}, agent {Agent} revoked ({Cause}); token generation now {Generation}")]
    public static partial void TokensRevoked(ILogger logger, string tenant, string agent, string cause, long generation);

    [LoggerMessage(EventId = 4081, Level = LogLevel.Warning, Message = "Approval {ApprovalId} of tenant {Tenant} revoked by {Actor}: its warrant and the decision tokens issued under it are void")]
    public static partial void ApprovalRevoked(ILogger logger, string tenant, string approvalId, string actor);

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

    [LoggerMessage(EventId = 4073, Level = LogLevel.Information, Message = "Records retention before {Cutoff}: removed {Approvals} approvals, {WarrantUses} warrant uses, {Notifications} delivered notifications")]
    public static partial void RecordsRetired(ILogger logger, DateTimeOffset cutoff, long approvals, long warrantUses, long notifications);

    [LoggerMessage(EventId = 4074, Level = LogLevel.Error, Message = "Records retention failed; nothing was removed, the next run tries again")]
    public static partial void RecordsRetentionFailed(ILogger logger, Exception exception);
}
