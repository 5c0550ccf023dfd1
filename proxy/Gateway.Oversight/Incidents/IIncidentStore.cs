namespace Gateway.Oversight.Incidents;

/// <summary>
/// Where incidents are recorded. Implementations: <see cref="StateStoreIncidentStore"/> (Redis or the
/// embedded store) and the PostgreSQL one.
/// </summary>
public interface IIncidentStore
{
    /// <summary>Records the incident durably before returning.</summary>
    ValueTask AppendAsync(Incident incident, CancellationToken cancellationToken = default);

    /// <summary>The tenant's most recent <paramref name="limit"/> incidents, oldest first.</summary>
    ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit, CancellationToken cancellationToken = default);
}
