namespace Gateway.Store;

/// <summary>
/// What the gateway's hot path keeps outside the process, by job: keys, counters and sets (<see cref="IKeyValueStore"/>),
/// admissions and their limits and budgets (<see cref="IAdmissionStore"/>) and append-only logs (<see cref="IAuditLogStore"/>). Two implementations pass one contract suite:
/// <see cref="InMemoryStateStore"/> (the embedded default, one instance) and
/// <c>RedisStateStore</c> (production, shared by every replica).
/// </summary>
/// <remarks>
/// Every member either completes or throws <see cref="StateStoreUnavailableException"/>; callers
/// treat that exception as "fail closed" (HTTP 503, nothing forwarded). Keys are opaque strings
/// built by the caller; tenant scoping is the caller's job (see <see cref="StoreKeys"/>).
/// </remarks>
public interface IStateStore : IKeyValueStore, IAdmissionStore, IAuditLogStore
{
    /// <summary>Throws <see cref="StateStoreUnavailableException"/> when the store cannot serve.</summary>
    ValueTask PingAsync(CancellationToken cancellationToken = default);
}
