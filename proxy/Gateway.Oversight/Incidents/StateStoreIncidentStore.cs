using System.Text.Json;
using Gateway.Store;

namespace Gateway.Oversight.Incidents;

/// <summary>Incidents appended to the tenant's log <c>StoreKeys.Incidents</c> of an <see cref="IStateStore"/>.</summary>
public sealed class StateStoreIncidentStore : IIncidentStore
{
    private const int AppendAttempts = 64;
    private readonly IStateStore _store;

    public StateStoreIncidentStore(IStateStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc/>
    public async ValueTask AppendAsync(Incident incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var json = JsonSerializer.Serialize(incident, OversightJsonContext.Default.Incident);
        var key = StoreKeys.Incidents(incident.Tenant);
        for (var attempt = 0; attempt < AppendAttempts; attempt++)
        {
            var length = await _store.LogLengthAsync(key, cancellationToken);
            if (await _store.TryAppendAsync(key, length, json, cancellationToken))
            {
                return;
            }
        }

        throw new StateStoreUnavailableException("The incident log stayed contended; the incident was not recorded.");
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit, CancellationToken cancellationToken = default)
    {
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
