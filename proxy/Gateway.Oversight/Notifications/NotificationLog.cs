using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Notifications;

/// <summary>The notifications' log lines (never a webhook URL, an address list or a message body: the approval id and the channel name only).</summary>
internal static partial class NotificationLog
{
    [LoggerMessage(EventId = 4900, Level = LogLevel.Information, Message = "Approval {ApprovalId} of tenant {Tenant}: {Channel} notified on attempt {Attempt}")]
    public static partial void Delivered(ILogger logger, string tenant, string approvalId, string channel, int attempt);

    [LoggerMessage(EventId = 4901, Level = LogLevel.Warning, Message = "Approval {ApprovalId} of tenant {Tenant}: {Channel} attempt {Attempt} failed ({Error}); retrying")]
    public static partial void Failed(ILogger logger, string tenant, string approvalId, string channel, int attempt, string error);

    [LoggerMessage(EventId = 4902, Level = LogLevel.Error, Message = "Approval {ApprovalId} of tenant {Tenant}: {Channel} notification dropped after {Attempts} attempts")]
    public static partial void GaveUp(ILogger logger, string tenant, string approvalId, string channel, int attempts);

    [LoggerMessage(EventId = 4903, Level = LogLevel.Error, Message = "Approval {ApprovalId} of tenant {Tenant}: the notification outbox is full ({Capacity}); {Channel} not notified")]
    public static partial void OutboxFull(ILogger logger, string tenant, string approvalId, string channel, int capacity);

    [LoggerMessage(EventId = 4904, Level = LogLevel.Error, Message = "Approval {ApprovalId} of tenant {Tenant}: its notification could not be queued; the approval is open")]
    public static partial void NotQueued(ILogger logger, Exception exception, string tenant, string approvalId);
}
