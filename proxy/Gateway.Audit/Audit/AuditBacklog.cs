using System.Collections.Concurrent;
using Gateway.Audit.Options;
using Gateway.Store;

namespace Gateway.Audit;

/// <summary>
/// What the journal could not write while its sink was down: each failed entry, rewritten as what
/// happened to the request (refused, 503 <c>audit_unavailable</c>, or <c>store_unavailable</c> for an admission the state
/// store's outage could not make, unless the connector had already
/// run or the request was answered already: an outcome appended after its answer; or the entry is itself a refusal the host
/// answers as it is whatever the journal does, a state store's outage or an unexpected failure, kept with its own code), kept
/// in memory in arrival order per tenant and written by <see cref="AuditBacklogFlusher"/> once the sink
/// takes that tenant's appends again. Bounded: past <see cref="Capacity"/> entries, or past <see cref="CapacityPerTenant"/> of
/// one tenant (so that one tenant's outage cannot crowd out another's refusals), the newest are dropped (counted and
/// logged). It lives in the process: a crash while the sink is down loses it (those requests were refused).
/// </summary>
internal sealed class AuditBacklog(int capacityPerTenant = AuditOptions.DefaultBacklogCapacityPerTenant)
{
    /// <summary>The decision recorded for a request refused because its record could not be written.</summary>
    public const string RefusedDecision = "refused:audit_unavailable";

    /// <summary>The decision recorded for a request refused because the state store its record admitted with could not be reached.</summary>
    public const string StoreRefusedDecision = "refused:store_unavailable";

    /// <summary>The decision recorded for a request refused because of an unexpected failure (answered 500 <c>internal_error</c>).</summary>
    public const string InternalRefusedDecision = "refused:internal_error";

    /// <summary>The most entries held, every tenant's together.</summary>
    public const int Capacity = AuditOptions.BacklogCapacity;

    // Each tenant's entries in arrival order, with how many it holds (what its share counts).
    private readonly ConcurrentDictionary<string, TenantEntries> _tenants = new(StringComparer.Ordinal);
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>The most entries of one tenant held (<c>Gateway:Audit:BacklogCapacityPerTenant</c>).</summary>
    public int CapacityPerTenant { get; } = capacityPerTenant is >= 1 and <= Capacity
        ? capacityPerTenant
        : throw new ArgumentOutOfRangeException(nameof(capacityPerTenant), capacityPerTenant, $"Gateway:Audit:BacklogCapacityPerTenant must be between 1 and {Capacity}.");

    /// <summary>The tenants that have entries waiting, in no particular order.</summary>
    public IReadOnlyList<string> Tenants => [.. _tenants.Where(static t => !t.Value.Queue.IsEmpty).Select(static t => t.Key)];

    /// <summary>
    /// The refusal an entry that could not be written stands for: <see cref="StoreRefusedDecision"/> where the state store's
    /// outage failed the <paramref name="admission"/> it carried (the host answers that as any admission's outage), else
    /// <see cref="RefusedDecision"/>.
    /// </summary>
    public static string RefusalOf(Exception failure, AdmissionRequest? admission) =>
        admission is not null && failure.InnerException is StateStoreUnavailableException ? StoreRefusedDecision : RefusedDecision;

    /// <summary>
    /// Queues what the failed entry stands for (the entry itself when its request was <paramref name="answered"/> already:
    /// an outcome appended after the response, or when it is a refusal answered as it is whatever the journal does:
    /// <see cref="AnsweredAsItself"/>; else the refusal <paramref name="refusedAs"/>, 503); false when full, or its tenant holds
    /// its share (the entry is dropped).
    /// </summary>
    public bool TryAdd(AuditEntry entry, bool answered = false, string refusedAs = RefusedDecision)
    {
        var tenant = _tenants.GetOrAdd(entry.Tenant, static _ => new TenantEntries());
        if (Interlocked.Increment(ref tenant.Held) > CapacityPerTenant)
        {
            Interlocked.Decrement(ref tenant.Held);
            return false;
        }

        if (Interlocked.Increment(ref _count) > Capacity)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Decrement(ref tenant.Held);
            return false;
        }

        // A task state (A2aTask) is what a remote agent answered: recorded after the call ran, never a refusal of it.
        tenant.Queue.Enqueue(entry.Invoked || answered || entry.A2aTask is not null || AnsweredAsItself(entry) ? entry : entry with { Decision = refusedAs, StatusCode = 503, UpstreamStatus = null, LatencyMs = null });
        return true;
    }

    /// <summary>
    /// Whether the entry is the refusal of a state store's outage or of an unexpected failure: the host answers those with
    /// their own code whether or not the journal takes their record (never <c>audit_unavailable</c>), so the record keeps it.
    /// </summary>
    private static bool AnsweredAsItself(AuditEntry entry) => entry.Decision is StoreRefusedDecision or InternalRefusedDecision;

    /// <summary>Whether <paramref name="tenant"/> holds its whole share (what dropped its entry, rather than the backlog being full).</summary>
    public bool HoldsItsShare(string tenant) => _tenants.TryGetValue(tenant, out var entries) && Volatile.Read(ref entries.Held) >= CapacityPerTenant;

    /// <summary>The oldest entry of <paramref name="tenant"/> still waiting.</summary>
    public bool TryPeek(string tenant, out AuditEntry entry)
    {
        entry = null!;
        return _tenants.TryGetValue(tenant, out var entries) && entries.Queue.TryPeek(out entry!);
    }

    /// <summary>Removes the entry of <paramref name="tenant"/> last peeked (only the single flusher dequeues).</summary>
    public void Remove(string tenant)
    {
        if (_tenants.TryGetValue(tenant, out var entries) && entries.Queue.TryDequeue(out _))
        {
            Interlocked.Decrement(ref entries.Held);
            Interlocked.Decrement(ref _count);
        }
    }

    // One tenant's entries; Held counts them (taken before an entry is queued, given back once it is written).
    private sealed class TenantEntries
    {
        public readonly ConcurrentQueue<AuditEntry> Queue = new();
        public int Held;
    }
}
