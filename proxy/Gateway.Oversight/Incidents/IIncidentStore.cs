namespace Gateway.Oversight.Incidents;

/// <summary>
/// Where incidents are recorded, with an outbox of their webhook notifications that
/// <see cref="IncidentNotifier"/> drains (at least once, retried with backoff). Implementations:
/// <see cref="StateStoreIncidentStore"/> (Redis or the embedded store; its outbox lives in the opening
/// process) and the PostgreSQL one (a durable outbox shared by replicas).
/// </summary>
public interface IIncidentStore
{
    /// <summary>
    /// Records the incident durably before returning; with <paramref name="notify"/> its notification
    /// enters the outbox in the same write, due at once.
    /// </summary>
    ValueTask AppendAsync(Incident incident, bool notify, CancellationToken cancellationToken = default);

    /// <summary>The tenant's most recent <paramref name="limit"/> incidents, oldest first, each with its delivery state.</summary>
    ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="max"/> pending notifications due at <paramref name="now"/> for one attempt:
    /// each counts the attempt and is not due again before <paramref name="leaseUntil"/>, so a deliverer that
    /// dies mid-attempt leaves it to be claimed again, and no other deliverer claims it meanwhile.
    /// </summary>
    ValueTask<IReadOnlyList<IncidentOutboxEntry>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the outcome of attempt <c>delivery.Attempts</c>: delivered, pending again (with its next due time), or failed.
    /// Ignored unless that attempt holds the latest claim of a pending notification (an attempt whose lease ran out and was claimed again records nothing).
    /// </summary>
    ValueTask RecordDeliveryAsync(string tenant, string incidentId, IncidentDelivery delivery, CancellationToken cancellationToken = default);
}
