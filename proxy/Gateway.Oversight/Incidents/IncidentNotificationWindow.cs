using System.Security.Cryptography;
using System.Text;
using Gateway.Oversight.Options;
using Gateway.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Incidents;

/// <summary>
/// Coalesces repeated incident notifications: the first incident of a (tenant, workspace, agent, tool, intent digest) claims
/// <c>StoreKeys.IncidentNotified</c> for <c>Gateway:Incidents:NotificationWindow</c> with one set-if-absent on the shared
/// <see cref="IStateStore"/> (atomic across replicas) and is notified; the others in that window are recorded without a
/// notification, each marked under <c>StoreKeys.Incidents(tenant) + ":coalesced:" + id</c> with the id of the one that was.
/// When the store cannot answer, the incident is notified (a duplicate page beats a missing one).
/// </summary>
public sealed partial class IncidentNotificationWindow
{
    private const string CoalescedSuffix = ":coalesced:";

    private readonly IStateStore _store;
    private readonly TimeSpan _window;
    private readonly ILogger _logger;

    public IncidentNotificationWindow(IStateStore store, IOptions<OversightOptions> options, ILogger<IncidentNotificationWindow> logger)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _window = (options ?? throw new ArgumentNullException(nameof(options))).Value.Incidents.NotificationWindow;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The id of the notified incident that covers <paramref name="incident"/>, or null when it is to be notified itself.</summary>
    public async ValueTask<string?> CoalesceAsync(Incident incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (_window <= TimeSpan.Zero)
        {
            return null;
        }

        var key = StoreKeys.IncidentNotified(incident.Tenant, IntentHash(incident));
        try
        {
            if (await _store.TrySetIfAbsentAsync(key, incident.Id, _window, cancellationToken))
            {
                return null;
            }

            var covering = await _store.GetAsync(key, cancellationToken);
            if (covering is null)
            {
                return null;
            }

            await _store.SetAsync(CoalescedKey(incident.Tenant, incident.Id), covering, null, cancellationToken);
            return covering;
        }
        catch (StateStoreUnavailableException ex)
        {
            NotifiedWithoutWindow(_logger, ex, incident.Tenant, incident.Id);
            return null;
        }
    }

    /// <summary>Gives the window back when <paramref name="incident"/> claimed it but was not recorded, so the next one is notified.</summary>
    public async ValueTask ReleaseAsync(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (_window <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await _store.DeleteIfEqualAsync(StoreKeys.IncidentNotified(incident.Tenant, IntentHash(incident)), incident.Id, CancellationToken.None);
        }
        catch (StateStoreUnavailableException)
        {
            // The claim expires with the window.
        }
    }

    /// <summary>The listed incidents, those without a delivery state that were coalesced shown as such (as listed when the store cannot answer).</summary>
    public async ValueTask<IReadOnlyList<Incident>> AnnotateAsync(string tenant, IReadOnlyList<Incident> incidents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidents);
        var unnotified = incidents.Where(i => i.Delivery is null).ToArray();
        if (unnotified.Length == 0)
        {
            return incidents;
        }

        IReadOnlyList<string?> covering;
        try
        {
            covering = await _store.GetManyAsync(unnotified.Select(i => CoalescedKey(tenant, i.Id)).ToArray(), cancellationToken);
        }
        catch (StateStoreUnavailableException)
        {
            return incidents;
        }

        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < unnotified.Length; i++)
        {
            if (covering[i] is { } into)
            {
                byId[unnotified[i].Id] = into;
            }
        }

        return byId.Count == 0
            ? incidents
            : incidents.Select(i => i.Delivery is null && byId.TryGetValue(i.Id, out var into)
                ? i with { Delivery = new IncidentDelivery { State = IncidentDelivery.Coalesced, Attempts = 0, CoalescedInto = into } }
                : i).ToArray();
    }

    /// <summary>The hex SHA-256 of the incident's workspace, agent, tool and intent digest, each length-prefixed so no part can split another.</summary>
    internal static string IntentHash(Incident incident)
    {
        var text = (incident.Workspace is null ? "-" : "+" + StoreKeys.LengthPrefixed(incident.Workspace))
            + StoreKeys.LengthPrefixed(incident.Agent) + StoreKeys.LengthPrefixed(incident.Tool) + StoreKeys.LengthPrefixed(incident.IntentDigest);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static string CoalescedKey(string tenant, string incidentId) => StoreKeys.Incidents(tenant) + CoalescedSuffix + incidentId;

    [LoggerMessage(EventId = 4047, Level = LogLevel.Warning, Message = "Incident {IncidentId} of tenant {Tenant} notified without checking its notification window: the state store did not answer")]
    private static partial void NotifiedWithoutWindow(ILogger logger, Exception exception, string tenant, string incidentId);
}
