using Gateway.Store;

namespace Gateway.Audit;

// The journal's chains of this replica: Chains per tenant, a request's records in the one its request id picks.
public sealed partial class AuditJournal
{
    /// <summary>This replica's id: the name of its first chain of each tenant (<see cref="AuditPartition.ChainOf"/>).</summary>
    public string Replica { get; }

    /// <summary>The chains this replica writes per tenant (<c>Gateway:Audit:ChainsPerReplica</c>).</summary>
    public int Chains { get; }

    /// <summary>The replica ids of every chain of <paramref name="tenant"/> the sink holds, this replica's and others'.</summary>
    public ValueTask<IReadOnlyList<string>> ListChainsAsync(string tenant, CancellationToken cancellationToken = default) =>
        _store.ListReplicasAsync(tenant, cancellationToken);

    /// <summary>Whether <paramref name="replica"/> names one of this replica's own chains (written to yet or not).</summary>
    public bool IsOwnChain(string replica)
    {
        for (var chain = 0; chain < Chains; chain++)
        {
            if (string.Equals(replica, AuditPartition.ChainOf(Replica, chain), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The chains this replica has appended to since it started, every chain of every tenant (the partitions it checkpoints).</summary>
    public IReadOnlyList<AuditPartition> WrittenChains =>
        [.. _writers.SelectMany(static tenant => tenant.Value.OfType<AuditChainWriter>().Select(static writer => writer.Partition))];

    /// <summary>
    /// The chain of this replica that the records of request <paramref name="requestId"/> of <paramref name="tenant"/> go
    /// to: picked by a hash of the request id (<see cref="ReplicaShards.Of"/>), so that its decision and its outcome share
    /// a chain; the first chain for a record of no request.
    /// </summary>
    public AuditPartition ChainOf(string tenant, string? requestId) =>
        new(tenant, AuditPartition.ChainOf(Replica, ChainIndex(requestId)));

    private int ChainIndex(string? requestId) => requestId is null ? 0 : ReplicaShards.Of(requestId, Chains);

    // The writer of the entry's chain: its tenant's, the one its request id picks (ChainOf), made on first use.
    private AuditChainWriter WriterOf(AuditEntry entry)
    {
        var chains = _writers.GetOrAdd(entry.Tenant, static (_, count) => new AuditChainWriter?[count], Chains);
        var index = ChainIndex(entry.RequestId);
        if (Volatile.Read(ref chains[index]) is { } writer)
        {
            return writer;
        }

        var made = new AuditChainWriter(
            new AuditPartition(entry.Tenant, AuditPartition.ChainOf(Replica, index)), _store, _time, _metrics, _logger, _maxAttempts, _explanations,
            _receiptKeys, _evidence.BatchReceipts, _leaves, _groupsInFlight, _outcomeLinger, _evidence.SignInFlight);
        return Interlocked.CompareExchange(ref chains[index], made, null) ?? made;
    }
}
