namespace Gateway.Oversight.Options;

/// <summary>Incident notification (<c>Gateway:Incidents</c>).</summary>
public sealed record IncidentOptions
{
    /// <summary>Where an opened incident is POSTed, signed with the service key. Absent: no notification.</summary>
    public Uri? WebhookUrl { get; init; }

    /// <summary>Delivery attempts per notification before it is marked failed and logged as dropped.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The delay before the second attempt; doubled each time up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the deliverer looks for due notifications it was not woken for (those other replicas opened, retries).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Timeout of one delivery attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many notifications the embedded and Redis stores' in-process outbox holds; beyond it an incident is still
    /// recorded but its notification is marked failed (<c>outbox_full</c>) and logged. PostgreSQL's outbox is a table and ignores it.
    /// </summary>
    public int OutboxCapacity { get; init; } = DefaultOutboxCapacity;

    /// <summary>
    /// How many of <see cref="OutboxCapacity"/>'s notifications one tenant may hold, so that one tenant's flood of incidents
    /// never leaves another's unsent; beyond it that tenant's notification is marked failed (<c>outbox_full</c>) as beyond the capacity.
    /// </summary>
    public int OutboxCapacityPerTenant { get; init; } = DefaultOutboxCapacityPerTenant;

    /// <summary>
    /// How long after an incident's notification another incident of the same tenant, workspace, agent, tool and intent
    /// is recorded without a notification of its own (listed <c>coalesced</c>); zero notifies every incident.
    /// </summary>
    public TimeSpan NotificationWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest <see cref="NotificationWindow"/> accepted.</summary>
    public static readonly TimeSpan MaxNotificationWindow = TimeSpan.FromHours(24);

    /// <summary>The default of <see cref="OutboxCapacity"/>.</summary>
    public const int DefaultOutboxCapacity = 10_000;

    /// <summary>The default of <see cref="OutboxCapacityPerTenant"/>: a tenth of the default capacity.</summary>
    public const int DefaultOutboxCapacityPerTenant = 1_000;
}
