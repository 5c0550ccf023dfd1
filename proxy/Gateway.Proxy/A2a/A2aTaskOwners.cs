using System.Security.Cryptography;
using System.Text;
using Gateway.Store;

namespace Gateway.Proxy.A2a;

/// <summary>
/// Which agent opened each task on a remote A2A agent, and which first held each context, kept in the shared state store
/// (any replica reads it): written as a message's answer names a task or a context (<see cref="A2aCallerTasks"/>), read
/// when a request that reads, cancels or continues a task, or sends a message in a context, is described (the Enforce
/// stage refuses it once its decision is recorded). A task with no owner on record, or another agent's, and a context
/// another agent holds, are answered as not found (A2A's TaskNotFoundError): the caller learns nothing of other agents'
/// tasks, nor joins their conversations.
/// </summary>
internal sealed class A2aTaskOwners
{
    /// <summary>How long an ownership is kept after the last message that named the task.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    private readonly IStateStore _store;

    public A2aTaskOwners(IStateStore store) => _store = store;

    /// <summary>Records <paramref name="agent"/> as the owner of <paramref name="taskId"/> on <paramref name="connector"/> (kept while the first owner stands).</summary>
    public ValueTask RecordAsync(string tenant, string connector, string taskId, string agent, CancellationToken cancellationToken) =>
        ClaimAsync(Key(tenant, connector, taskId), agent, cancellationToken);

    /// <summary>Records <paramref name="agent"/> as the holder of the context <paramref name="contextId"/> on <paramref name="connector"/> (kept while the first holder stands).</summary>
    public ValueTask RecordContextAsync(string tenant, string connector, string contextId, string agent, CancellationToken cancellationToken) =>
        ClaimAsync(ContextKey(tenant, connector, contextId), agent, cancellationToken);

    /// <summary>True when <paramref name="agent"/> opened <paramref name="taskId"/> on <paramref name="connector"/>.</summary>
    public async ValueTask<bool> IsOwnerAsync(string tenant, string connector, string taskId, string agent, CancellationToken cancellationToken) =>
        await _store.GetAsync(Key(tenant, connector, taskId), cancellationToken).ConfigureAwait(false) == agent;

    /// <summary>
    /// True when no other agent holds the context <paramref name="contextId"/> on <paramref name="connector"/>: one no answer
    /// has named yet (a context the caller starts) is open, as is the caller's own.
    /// </summary>
    public async ValueTask<bool> IsContextOpenToAsync(string tenant, string connector, string contextId, string agent, CancellationToken cancellationToken)
    {
        var holder = await _store.GetAsync(ContextKey(tenant, connector, contextId), cancellationToken).ConfigureAwait(false);
        return holder is null || holder == agent;
    }

    private static string Key(string tenant, string connector, string taskId) => StoreKeys.A2aTaskOwner(tenant, connector, Digest(taskId));

    private static string ContextKey(string tenant, string connector, string contextId) => StoreKeys.A2aContextOwner(tenant, connector, Digest(contextId));

    private static string Digest(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    private async ValueTask ClaimAsync(string key, string agent, CancellationToken cancellationToken)
    {
        if (!await _store.TrySetIfAbsentAsync(key, agent, Lifetime, cancellationToken).ConfigureAwait(false)
            && await _store.GetAsync(key, cancellationToken).ConfigureAwait(false) == agent)
        {
            await _store.SetAsync(key, agent, Lifetime, cancellationToken).ConfigureAwait(false);
        }
    }

}
