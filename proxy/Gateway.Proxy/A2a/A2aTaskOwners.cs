using System.Security.Cryptography;
using System.Text;
using Gateway.Store;

namespace Gateway.Proxy.A2a;

/// <summary>
/// Which agent opened each task on a remote A2A agent, kept in the shared state store (any replica reads it): written as
/// a message's answer names a task (<see cref="A2aCallerTasks"/>), read when a request that reads, cancels or continues a
/// task is described (the Enforce stage refuses it once its decision is recorded). A task
/// with no owner on record, or another agent's, is answered as not found (A2A's TaskNotFoundError): the caller learns
/// nothing of other agents' tasks.
/// </summary>
internal sealed class A2aTaskOwners
{
    /// <summary>How long an ownership is kept after the last message that named the task.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    private readonly IStateStore _store;

    public A2aTaskOwners(IStateStore store) => _store = store;

    /// <summary>Records <paramref name="agent"/> as the owner of <paramref name="taskId"/> on <paramref name="connector"/> (kept while the first owner stands).</summary>
    public async ValueTask RecordAsync(string tenant, string connector, string taskId, string agent, CancellationToken cancellationToken)
    {
        var key = Key(tenant, connector, taskId);
        if (!await _store.TrySetIfAbsentAsync(key, agent, Lifetime, cancellationToken).ConfigureAwait(false)
            && await _store.GetAsync(key, cancellationToken).ConfigureAwait(false) == agent)
        {
            await _store.SetAsync(key, agent, Lifetime, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when <paramref name="agent"/> opened <paramref name="taskId"/> on <paramref name="connector"/>.</summary>
    public async ValueTask<bool> IsOwnerAsync(string tenant, string connector, string taskId, string agent, CancellationToken cancellationToken) =>
        await _store.GetAsync(Key(tenant, connector, taskId), cancellationToken).ConfigureAwait(false) == agent;

    private static string Key(string tenant, string connector, string taskId) =>
        StoreKeys.A2aTaskOwner(tenant, connector, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(taskId))));
}
