using System.Text.Json;
using Gateway.Oversight.Options;
using Gateway.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Oversight.Incidents;

/// <summary>
/// Incidents appended to the tenant's log <c>StoreKeys.Incidents</c> of an <see cref="IStateStore"/>, each
/// notification's state under <c>StoreKeys.Incidents(tenant) + ":delivery:" + id</c>. The outbox itself is
/// this process's memory: the replica that opened an incident delivers its notification, and a
/// notification still pending when the process stops is not sent (PostgreSQL keeps a durable outbox). The outbox
/// holds at most <c>Gateway:Incidents:OutboxCapacity</c> notifications, at most <c>OutboxCapacityPerTenant</c> of one tenant: beyond either the incident is still recorded,
/// its notification marked failed (<c>outbox_full</c>) and logged. Only the attempt that holds the claim records its outcome.
/// </summary>
public sealed class StateStoreIncidentStore : IIncidentStore
{
    private const int AppendAttempts = 64;
    private const string DeliverySuffix = ":delivery:";

    /// <summary>What a notification dropped for want of outbox room records as its last error.</summary>
    public const string OutboxFullError = "outbox_full";

    private readonly IStateStore _store;
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly OversightMetrics? _metrics;
    private readonly Lock _outboxLock = new();
    private readonly Dictionary<(string Tenant, string Id), Pending> _outbox = [];
    private readonly TenantShares _shares;
    private int _reserved;

    public StateStoreIncidentStore(
        IStateStore store,
        int outboxCapacity = IncidentOptions.DefaultOutboxCapacity,
        ILogger<StateStoreIncidentStore>? logger = null,
        OversightMetrics? metrics = null,
        int outboxCapacityPerTenant = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outboxCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outboxCapacityPerTenant, 1);
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _capacity = outboxCapacity;
        _shares = new TenantShares(outboxCapacityPerTenant);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metrics = metrics;
    }

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
            await EnqueueAsync(incident, cancellationToken);
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
        lock (_outboxLock)
        {
            if (!HoldsClaim(tenant, incidentId, delivery.Attempts))
            {
                return;
            }
        }

        await WriteDeliveryAsync(tenant, incidentId, delivery, cancellationToken);
        lock (_outboxLock)
        {
            if (!HoldsClaim(tenant, incidentId, delivery.Attempts))
            {
                return;
            }

            if (delivery.State != IncidentDelivery.Pending && _outbox.Remove((tenant, incidentId)))
            {
                _shares.Release(tenant);
            }
            else if (delivery.NextAttemptAt is { } next)
            {
                _outbox[(tenant, incidentId)] = _outbox[(tenant, incidentId)] with { DueAt = next };
            }
        }
    }

    /// <summary>Queues the incident's notification, or, when the outbox is full, records it failed (<see cref="OutboxFullError"/>) and logs it.</summary>
    private async ValueTask EnqueueAsync(Incident incident, CancellationToken cancellationToken)
    {
        bool room;
        lock (_outboxLock)
        {
            room = _outbox.Count + _reserved < _capacity && _shares.HasRoom(incident.Tenant);
            if (room)
            {
                _reserved++;
                _shares.Take(incident.Tenant);
            }
        }

        if (!room)
        {
            IncidentOutboxLog.OutboxFull(_logger, incident.Tenant, incident.Id, _capacity, _shares.Limit);
            _metrics?.IncidentNotificationDropped(incident.Tenant);
            await WriteDeliveryAsync(incident.Tenant, incident.Id, new IncidentDelivery { State = IncidentDelivery.Failed, Attempts = 0, LastError = OutboxFullError }, cancellationToken);
            return;
        }

        var queued = false;
        try
        {
            await WriteDeliveryAsync(incident.Tenant, incident.Id, new IncidentDelivery { State = IncidentDelivery.Pending, Attempts = 0, NextAttemptAt = incident.OpenedAt }, cancellationToken);
            lock (_outboxLock)
            {
                _outbox[(incident.Tenant, incident.Id)] = new Pending(incident with { Delivery = null }, 0, incident.OpenedAt);
                queued = true;
            }
        }
        finally
        {
            lock (_outboxLock)
            {
                _reserved--;
                if (!queued)
                {
                    _shares.Release(incident.Tenant);
                }
            }
        }
    }

    /// <summary>Whether attempt <paramref name="attempt"/> is the notification's latest claim, still pending (call under the outbox lock).</summary>
    private bool HoldsClaim(string tenant, string incidentId, int attempt) =>
        _outbox.TryGetValue((tenant, incidentId), out var pending) && pending.Attempts == attempt;

    private async ValueTask WriteDeliveryAsync(string tenant, string incidentId, IncidentDelivery delivery, CancellationToken cancellationToken) =>
        await _store.SetAsync(DeliveryKey(tenant, incidentId), JsonSerializer.Serialize(delivery, OversightJsonContext.Default.IncidentDelivery), null, cancellationToken);

    private static string DeliveryKey(string tenant, string incidentId) => StoreKeys.Incidents(tenant) + DeliverySuffix + incidentId;

    private sealed record Pending(Incident Incident, int Attempts, DateTimeOffset DueAt);
}
