namespace Gateway.Oversight.Notifications;

/// <summary>One notification for one channel in the outbox: the attempts made so far, and when the next is due.</summary>
public sealed record ApprovalOutboxEntry(ApprovalNotification Notification, string Channel, int Attempts, DateTimeOffset DueAt);
