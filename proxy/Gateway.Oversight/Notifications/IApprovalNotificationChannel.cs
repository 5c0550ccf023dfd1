namespace Gateway.Oversight.Notifications;

/// <summary>One way of telling approvers (a chat webhook, e-mail).</summary>
public interface IApprovalNotificationChannel
{
    /// <summary>The channel's name in the outbox and the log (<c>webhook</c>, <c>email</c>).</summary>
    string Name { get; }

    /// <summary>Whether the tenant's channels use this one for <paramref name="notification"/>.</summary>
    bool Applies(ApprovalNotificationChannels channels, ApprovalNotification notification);

    /// <summary>One attempt; null when the receiver took it, else what went wrong (a status or an error kind, never a secret).</summary>
    Task<string?> SendAsync(ApprovalNotification notification, ApprovalNotificationChannels channels, CancellationToken cancellationToken);
}
