using System.Net;
using StackExchange.Redis;

namespace Gateway.Store;

// The Redis store's replica acknowledgements (WAIT on the key's primary) and the primaries it pings.
public sealed partial class RedisStateStore
{
    // The write, then WAIT on the primary it went to. The primary is the one that owns the key's slot before the write
    // and still after it: a slot whose owner was not connected, or that moved in between (a failover, a MOVED reply),
    // leaves unknown where the write landed, so the call fails closed rather than wait on a server that never saw it.
    // The write is sent even then: its redirection is how the client learns the slot's new owner after a failover.
    private async Task<TResult> WriteAndAwaitReplicasAsync<TState, TResult>(IConnectionMultiplexer multiplexer, IDatabaseAsync database, TState state, Func<IDatabaseAsync, TState, CommandFlags, Task<TResult>> call, RedisKey written)
    {
        var before = ConnectedPrimaryOf(multiplexer, written);
        var result = await call(database, state, CommandFlags.DemandMaster).ConfigureAwait(false);
        var primary = PrimaryFor(multiplexer, written);
        if (!Equals(before, primary.EndPoint))
        {
            throw new StateStoreUnavailableException($"The hash slot of the write moved from {before?.ToString() ?? "a disconnected primary"} to {primary.EndPoint} while it ran (a failover): refused, since it cannot be known to be replicated.");
        }

        await AwaitReplicasAsync(primary).ConfigureAwait(false);
        return result;
    }

    private static EndPoint? ConnectedPrimaryOf(IConnectionMultiplexer multiplexer, RedisKey key)
    {
        try
        {
            return multiplexer.GetServer(key, flags: CommandFlags.DemandMaster).EndPoint;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>WAIT n timeout</c> on <paramref name="primary"/>: every write this process sent it before (on the one
    /// connection StackExchange.Redis keeps to each server) has reached <c>n</c> replicas, or this throws.
    /// </summary>
    private async Task AwaitReplicasAsync(IServer primary)
    {
        // Sent to that server as chosen: it was picked as a primary (by the key's slot, or the cluster's own word).
        var acknowledged = (long)await primary.ExecuteAsync("WAIT", [_replicaAcknowledgements, _replicaTimeoutMs], CommandFlags.None).ConfigureAwait(false);
        if (acknowledged < _replicaAcknowledgements)
        {
            throw new StateStoreUnavailableException(
                $"Redis at {primary.EndPoint} replicated the write to {acknowledged} of the {_replicaAcknowledgements} replicas required within {_replicaTimeoutMs} ms: " +
                "refused, since an unreplicated write can be lost when a replica is promoted.");
        }
    }

    // Readiness: every primary that serves hash slots answers (and, when writes wait for replicas, has them). On a
    // cluster those are the slot owners the cluster reports, all of its slots covered by primaries it does not mark
    // failing; otherwise the one primary (behind Sentinel, the one the sentinels name).
    private async Task<bool> PingEveryPrimaryAsync(IConnectionMultiplexer multiplexer, IDatabaseAsync database)
    {
        if (_topology != RedisTopology.Cluster)
        {
            await database.PingAsync(CommandFlags.DemandMaster).ConfigureAwait(false);
            if (_replicaAcknowledgements > 0)
            {
                await AwaitReplicasAsync(PrimaryFor(multiplexer, default)).ConfigureAwait(false);
            }

            return true;
        }

        var primaries = await ClusterPrimariesAsync(multiplexer).ConfigureAwait(false);
        await Task.WhenAll(primaries.Select(async primary =>
        {
            // The cluster names it a slot owner; the client may still take it for the replica it was before a promotion.
            await primary.PingAsync(CommandFlags.None).ConfigureAwait(false);
            if (_replicaAcknowledgements > 0)
            {
                await AwaitReplicasAsync(primary).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        return true;
    }

    // The primary that serves the key's slot (any primary for the default key; the one primary off a cluster).
    private IServer PrimaryFor(IConnectionMultiplexer multiplexer, RedisKey key)
    {
        try
        {
            return multiplexer.GetServer(key, flags: CommandFlags.DemandMaster);
        }
        catch (InvalidOperationException ex)
        {
            // No connected server can serve it: the same failure a command would meet.
            throw _connection.Unavailable(ex);
        }
    }

    // The slot owners as the first connected node that answers describes them (a dead primary is skipped, so readiness
    // returns once the cluster has replaced it, whether or not it comes back).
    private async Task<IReadOnlyList<IServer>> ClusterPrimariesAsync(IConnectionMultiplexer multiplexer)
    {
        ClusterConfiguration? nodes = null;
        IServer? any = null;
        foreach (var server in multiplexer.GetServers().Where(static s => s.IsConnected))
        {
            try
            {
                nodes = await server.ClusterNodesAsync(CommandFlags.None).ConfigureAwait(false);
                any = server;
                break;
            }
            catch (RedisException)
            {
                // The next node may answer.
            }
        }

        if (nodes is null || any is null)
        {
            throw new StateStoreUnavailableException($"Redis at {_connection.Endpoint} is unavailable: no connected cluster node described the cluster (CLUSTER NODES).");
        }

        var owners = nodes.Nodes.Where(static node => !node.IsReplica && node.Slots.Count > 0).ToList();
        var covered = owners.Where(static node => !node.IsFail && !node.IsPossiblyFail).Sum(static node => node.Slots.Sum(static range => range.To - range.From + 1));
        if (covered < ClusterSlots)
        {
            throw new StateStoreUnavailableException($"The cluster serves {covered} of its {ClusterSlots} hash slots from primaries it does not mark failing (CLUSTER NODES from {any.EndPoint}).");
        }

        return [.. owners.Select(node => ServerAt(multiplexer, node))];
    }

    private static IServer ServerAt(IConnectionMultiplexer multiplexer, ClusterNode node)
    {
        try
        {
            return multiplexer.GetServer(node.EndPoint ?? throw new StateStoreUnavailableException($"The cluster lists primary {node.NodeId} without an address."));
        }
        catch (ArgumentException ex)
        {
            throw new StateStoreUnavailableException($"The cluster's primary {node.EndPoint} is not one this process knows yet.", ex);
        }
    }
}
