namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The multi-replica and fault tests run one class at a time: each starts redis-server and several
/// gateways in this process, and running them side by side only adds scheduling stalls that look
/// like store faults. They still run in parallel with the other test collections.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReplicaCollection
{
    public const string Name = "Replicas and faults (real redis-server)";
}
