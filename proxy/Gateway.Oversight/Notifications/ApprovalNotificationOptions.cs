namespace Gateway.Oversight.Notifications;

/// <summary>
/// Who is told when an approval opens (<c>Gateway:Notifications</c>): per tenant, a chat webhook and the approvers' e-mail
/// addresses (sent through the operator's SMTP relay, <see cref="Smtp"/>); the console's address for the deep link; and how
/// the outbox retries. A tenant without channels is told nothing.
/// </summary>
public sealed record ApprovalNotificationOptions
{
    public const string Section = "Gateway:Notifications";

    /// <summary>The origin the deep link starts with (<c>https://gateway.example.com</c>); unset: <c>Gateway:Console:PublicOrigin</c>, else <c>Gateway:AccessTokens:PublicBaseUrl</c>.</summary>
    public Uri? PublicOrigin { get; set; }

    /// <summary>The operator's SMTP relay; required when a tenant names e-mail addresses.</summary>
    public ApprovalSmtpOptions? Smtp { get; init; }

    /// <summary>The channels of each tenant, by tenant slug.</summary>
    public Dictionary<string, ApprovalNotificationChannels> Tenants { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Attempts per channel and notification before it is dropped (and logged).</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The delay before the second attempt; doubled each time up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Timeout of one attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many notifications may wait in the outbox; beyond it a new one is dropped and logged (the approval still opens).</summary>
    public int OutboxCapacity { get; init; } = 10_000;

    /// <summary>How many of <see cref="OutboxCapacity"/>'s notifications one tenant's approvals may hold, so that one tenant's flood never leaves another's approvers unnotified.</summary>
    public int OutboxCapacityPerTenant { get; init; } = 1_000;

    /// <summary>Whether any tenant has a channel.</summary>
    public bool AnyChannel => Tenants.Values.Any(t => t.WebhookUrl is not null || t.Email.Count > 0);
}
