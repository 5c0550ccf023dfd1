using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Incidents;

/// <summary>
/// Opens incidents: the record is appended to the tenant's log (<c>StoreKeys.Incidents</c>) before
/// this returns; the webhook notification is queued for <see cref="IncidentNotifier"/>, so an
/// unreachable webhook never delays or fails the opening.
/// </summary>
public sealed class IncidentService
{
    private const int AppendAttempts = 64;
    private readonly IStateStore _store;
    private readonly IncidentNotifier _notifier;
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger<IncidentService> _logger;

    public IncidentService(IStateStore store, IncidentNotifier notifier, TimeProvider time, OversightMetrics metrics, ILogger<IncidentService> logger)
    {
        _store = store;
        _notifier = notifier;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Records an incident and queues its signed notification.</summary>
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

        var json = JsonSerializer.Serialize(incident, OversightJsonContext.Default.Incident);
        var key = StoreKeys.Incidents(tenant);
        var appended = false;
        for (var attempt = 0; attempt < AppendAttempts && !appended; attempt++)
        {
            var length = await _store.LogLengthAsync(key, cancellationToken);
            appended = await _store.TryAppendAsync(key, length, json, cancellationToken);
        }

        if (!appended)
        {
            throw new StateStoreUnavailableException("The incident log stayed contended; the incident was not recorded.");
        }

        _metrics.IncidentOpened(tenant);
        OversightLog.IncidentOpened(_logger, tenant, incident.Id, agent, tool);
        _notifier.Enqueue(incident);
        return incident;
    }

    /// <summary>The tenant's most recent incidents, newest last.</summary>
    public async ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit = 100, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var key = StoreKeys.Incidents(tenant);
        var length = await _store.LogLengthAsync(key, cancellationToken);
        var lines = await _store.ReadLogAsync(key, Math.Max(0, length - limit), limit, cancellationToken);
        var incidents = new List<Incident>(lines.Count);
        foreach (var line in lines)
        {
            if (JsonSerializer.Deserialize(line, OversightJsonContext.Default.Incident) is { } incident)
            {
                incidents.Add(incident);
            }
        }

        return incidents;
    }
}
