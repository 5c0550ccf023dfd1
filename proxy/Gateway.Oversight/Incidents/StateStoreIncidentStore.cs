using System.Text.Json;
using Gateway.Store;

namespace Gateway.Oversight.Incidents;

/// <summary>
/// Incidents appended to the tenant's log <c>StoreKeys.Incidents</c> of an <see cref="IStateStore"/>, each
/// notification's state under <c>StoreKeys.Incidents(tenant) + ":delivery:" + id</c>. The outbox itself is
/// this process's memory: the replica that opened an incident delivers its notification, and a
/// notification still pending when the process stops is not sent (PostgreSQL keeps a durable outbox).
/// </summary>
public sealed class StateStoreIncidentStore : IIncidentStore
{
    private const int AppendAttempts = 64;
    private const string DeliverySuffix = ":delivery:";
    private readonly IStateStore _store;
    private readonly Lock _outboxLock = new();
    private readonly Dictionary<(string Tenant, string Id), Pending> _outbox = [];

    public StateStoreIncidentStore(IStateStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc/>
    public async ValueTask AppendAsync(Incident incident, bool notify, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var json = JsonSerializer.Serialize(incident with { Delivery = null }, OversightJsonContext.Default.Incident);
        var key = StoreKeys.Incidents(incident.Tenant);
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

        if (notify)
        {
            await RecordDeliveryAsync(incident.Tenant, incident.Id, new IncidentDelivery { State = IncidentDelivery.Pending, Attempts = 0, NextAttemptAt = incident.OpenedAt }, cancellationToken);
            lock (_outboxLock)
            {
                _outbox[(incident.Tenant, incident.Id)] = new Pending(incident with { Delivery = null }, 0, incident.OpenedAt);
            }
        }
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
                var delivery = await _store.GetAsync(DeliveryKey(tenant, incident.Id), cancellationToken);
                incidents.Add(delivery is null ? incident : incident with { Delivery = JsonSerializer.Deserialize(delivery, OversightJsonContext.Default.IncidentDelivery) });
            }
        }

        return incidents;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<IncidentOutboxEntry>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken = default)
    {
        var claimed = new List<IncidentOutboxEntry>();
        lock (_outboxLock)
        {
            foreach (var (key, pending) in _outbox.Where(e => e.Value.DueAt <= now).OrderBy(e => e.Value.DueAt).Take(max).ToArray())
            {
                var attempt = pending.Attempts + 1;
                _outbox[key] = pending with { Attempts = attempt, DueAt = leaseUntil };
                claimed.Add(new IncidentOutboxEntry(pending.Incident, attempt));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<IncidentOutboxEntry>>(claimed);
    }

    /// <inheritdoc/>
    public async ValueTask RecordDeliveryAsync(string tenant, string incidentId, IncidentDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await _store.SetAsync(DeliveryKey(tenant, incidentId), JsonSerializer.Serialize(delivery, OversightJsonContext.Default.IncidentDelivery), null, cancellationToken);
        lock (_outboxLock)
        {
            if (delivery.State != IncidentDelivery.Pending)
            {
                _outbox.Remove((tenant, incidentId));
            }
            else if (_outbox.TryGetValue((tenant, incidentId), out var pending) && delivery.NextAttemptAt is { } next)
            {
                _outbox[(tenant, incidentId)] = pending with { DueAt = next };
            }
        }
    }

    private static string DeliveryKey(string tenant, string incidentId) => StoreKeys.Incidents(tenant) + DeliverySuffix + incidentId;

    private sealed record Pending(Incident Incident, int Attempts, DateTimeOffset DueAt);
}
