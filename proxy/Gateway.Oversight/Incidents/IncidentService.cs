using System.Text.Json;
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
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger<IncidentService> _logger;

    public IncidentService(IIncidentStore store, IncidentNotifier notifier, TimeProvider time, OversightMetrics metrics, ILogger<IncidentService> logger)
    {
        _store = store;
        _notifier = notifier;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Records an incident and its signed notification in the outbox.</summary>
    public async ValueTask<Incident> OpenAsync(
        string tenant,
        string agent,
        string tool,
        string intentDigest,
        string? explanationJson,
        IReadOnlyList<string>? findingIds,
        string? workspace = null,
        CancellationToken cancellationToken = default)
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

        var incident = new Incident
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

        await _store.AppendAsync(incident, _notifier.IsEnabled, cancellationToken);
        _metrics.IncidentOpened(tenant);
        OversightLog.IncidentOpened(_logger, tenant, incident.Id, agent, tool);
        if (_notifier.IsEnabled)
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
        return await _store.ListAsync(tenant, limit, cancellationToken);
    }
}
