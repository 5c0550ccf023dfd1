using System.Text.Json;
using Gateway.Audit;
using Gateway.Oversight.Approvals;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Incidents;

/// <summary>
/// Opens incidents: the record is in the <see cref="IIncidentStore"/> before this returns, with its
/// webhook notification in the store's outbox (the same write) for <see cref="IncidentNotifier"/>, so an
/// unreachable webhook never delays or fails the opening.
/// </summary>
public sealed class IncidentService
{
    private readonly IIncidentStore _store;
    private readonly IncidentNotifier _notifier;
    private readonly IncidentNotificationWindow _window;
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger<IncidentService> _logger;

    public IncidentService(IIncidentStore store, IncidentNotifier notifier, IncidentNotificationWindow window, TimeProvider time, OversightMetrics metrics, ILogger<IncidentService> logger)
    {
        _store = store;
        _notifier = notifier;
        _window = window;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Records an incident and its signed notification in the outbox: <see cref="Prepare"/> then <see cref="OpenAsync(Incident, CancellationToken)"/>.</summary>
    public ValueTask<Incident> OpenAsync(
        string tenant,
        string agent,
        string tool,
        string intentDigest,
        string? explanationJson,
        IReadOnlyList<string>? findingIds,
        string? workspace = null,
        CancellationToken cancellationToken = default) =>
        OpenAsync(Prepare(tenant, agent, tool, intentDigest, explanationJson, findingIds, workspace), cancellationToken);

    /// <summary>
    /// The incident a decision asks for, with its id, checked and built but not stored (no I/O: a decision names it, and it
    /// is opened once the decision is recorded).
    /// </summary>
    public Incident Prepare(
        string tenant,
        string agent,
        string tool,
        string intentDigest,
        string? explanationJson,
        IReadOnlyList<string>? findingIds,
        string? workspace = null)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        Identifiers.ThrowIfInvalidAgent(agent);
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentNullException.ThrowIfNull(intentDigest);
        JsonElement? explanation = null;
        if (!string.IsNullOrEmpty(explanationJson))
        {
            using var parsed = JsonDocument.Parse(explanationJson);
            explanation = parsed.RootElement.Clone();
        }

        return new Incident
        {
            Id = ApprovalIds.NewId("inc_"),
            Tenant = tenant,
            Workspace = workspace,
            Agent = agent,
            Tool = tool,
            IntentDigest = intentDigest,
            FindingIds = findingIds ?? [],
            Explanation = explanation,
            OpenedAt = _time.GetUtcNow(),
        };
    }

    /// <summary>
    /// Records an incident <see cref="Prepare"/> built, and its signed notification in the outbox (the same write), unless an
    /// incident of the same intent was notified within <c>Gateway:Incidents:NotificationWindow</c> (<see cref="IncidentNotificationWindow"/>).
    /// </summary>
    public async ValueTask<Incident> OpenAsync(Incident incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var coalescedInto = _notifier.IsEnabled ? await _window.CoalesceAsync(incident, cancellationToken) : null;
        var notify = _notifier.IsEnabled && coalescedInto is null;
        try
        {
            await _store.AppendAsync(incident, notify, cancellationToken);
        }
        catch when (notify)
        {
            await _window.ReleaseAsync(incident);
            throw;
        }

        _metrics.IncidentOpened(incident.Tenant);
        OversightLog.IncidentOpened(_logger, incident.Tenant, incident.Id, incident.Agent, incident.Tool);
        if (coalescedInto is not null)
        {
            _metrics.IncidentNotificationCoalesced(incident.Tenant);
        }
        else if (notify)
        {
            _notifier.Wake();
        }

        return incident;
    }

    /// <summary>The tenant's most recent incidents, newest last.</summary>
    public async ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit = 100, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await _window.AnnotateAsync(tenant, await _store.ListAsync(tenant, limit, cancellationToken), cancellationToken);
    }
}
