namespace Gateway.Oversight.Notifications;

/// <summary>One tenant's channels for new approvals (<c>Gateway:Notifications:Tenants:&lt;tenant&gt;</c>).</summary>
public sealed record ApprovalNotificationChannels
{
    /// <summary>
    /// A chat tool's incoming webhook (Slack, Mattermost, Rocket.Chat, Google Chat and Teams workflows take <c>{"text": …}</c>);
    /// a secret in itself (its path is the credential), so it is never logged.
    /// </summary>
    public Uri? WebhookUrl { get; init; }

    /// <summary>Approver id (as the register and the approval name them) → e-mail address; an approval mails only the approvers it names.</summary>
    public Dictionary<string, string> Email { get; init; } = new(StringComparer.Ordinal);
}
