using Gateway.Oversight.Incidents;
using Gateway.Store;

namespace Gateway.Oversight.Tests.Incidents;

/// <summary>An incident store whose first append fails as an unavailable store does (nothing recorded); the rest pass through.</summary>
internal sealed class FailFirstAppendIncidentStore(IIncidentStore inner) : IIncidentStore
{
    private int _appends;

    public ValueTask AppendAsync(Incident incident, bool notify, CancellationToken cancellationToken = default) =>
        Interlocked.Increment(ref _appends) == 1
            ? ValueTask.FromException(new StateStoreUnavailableException("the first append fails in this test"))
            : inner.AppendAsync(incident, notify, cancellationToken);

    public ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit, CancellationToken cancellationToken = default) => inner.ListAsync(tenant, limit, cancellationToken);

    public ValueTask<IReadOnlyList<IncidentOutboxEntry>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken = default) =>
        inner.ClaimDueAsync(now, leaseUntil, max, cancellationToken);

    public ValueTask RecordDeliveryAsync(string tenant, string incidentId, IncidentDelivery delivery, CancellationToken cancellationToken = default) =>
        inner.RecordDeliveryAsync(tenant, incidentId, delivery, cancellationToken);
}
