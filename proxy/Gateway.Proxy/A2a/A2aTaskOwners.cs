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
/// tasks, nor joins their conversations. A task id the record could not keep (<see cref="A2aTaskEvents.Recordable"/>:
/// over 256 characters, or a control or format character) is never recorded, and a call naming one is answered as not
/// found. Beside a task's owner, two flags (each its own key, the owner's value unchanged
/// for replicas that read only the owner, and an owner stored before either flag existed read as it was) say a call naming
/// a push-notification webhook was forwarded for it, and that a call under a <c>redact</c> or <c>mask</c> degrade was
/// (<c>6-Enforce/PushDegrade.cs</c>). A call acting on a task reads its owner and flags in one call as it is described
/// (<see cref="ReadAsync"/>), and renews what it read once its answer names the task (<see cref="RenewAsync"/>).
/// </summary>
internal sealed class A2aTaskOwners
{
    /// <summary>How long an ownership is kept after the last message that named the task.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    /// <summary>The value of a task's flag (webhook or redacted).</summary>
    private const string FlagSet = "1";

    private readonly IStateStore _store;

    public A2aTaskOwners(IStateStore store) => _store = store;

    /// <summary>
    /// Records <paramref name="agent"/> as the owner of <paramref name="taskId"/> on <paramref name="connector"/> (kept while
    /// the first owner stands), the task as having a webhook when <paramref name="webhook"/>, and as served redacted when
    /// <paramref name="redacted"/> (flags kept as long as the owner).
    /// </summary>
    public async ValueTask RecordAsync(string tenant, string connector, string taskId, string agent, bool webhook, bool redacted, CancellationToken cancellationToken)
    {
        var key = Key(tenant, connector, taskId);
        if (!await _store.TrySetIfAbsentAsync(key, agent, Lifetime, cancellationToken).ConfigureAwait(false))
        {
            // Held already: the owner and the flags read in one call; the caller's ownership renewed, and a flag set before
            // with it (it lives as long as the ownership it sits beside).
            var held = await _store.GetManyAsync([key, WebhookKey(tenant, connector, taskId), RedactedKey(tenant, connector, taskId)], cancellationToken).ConfigureAwait(false);
            if (held[0] == agent)
            {
                await _store.SetAsync(key, agent, Lifetime, cancellationToken).ConfigureAwait(false);
                webhook |= held[1] is not null;
                redacted |= held[2] is not null;
            }
        }

        if (webhook)
        {
            await RecordWebhookAsync(tenant, connector, taskId, cancellationToken).ConfigureAwait(false);
        }

        if (redacted)
        {
            await RecordRedactedAsync(tenant, connector, taskId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Renews <paramref name="agent"/>'s ownership of the task <paramref name="known"/> was read for as the call was
    /// described, in as few calls as the store allows: the owner while it is still the agent's (one call), and each flag
    /// set before (one call each: a flag lives as long as the ownership beside it), but for one the call's Enforce stage
    /// wrote before forwarding (the webhook of a call naming one, <paramref name="webhook"/>; the redacted flag of a call
    /// under redact or mask, <paramref name="redacted"/>, when it was not set). An ownership gone since it was read is
    /// recorded afresh (<see cref="RecordAsync"/>), with every flag read or set by the call.
    /// </summary>
    public async ValueTask RenewAsync(string tenant, string connector, string agent, A2aTaskFlags known, bool webhook, bool redacted, CancellationToken cancellationToken)
    {
        if (!await _store.ReplaceIfEqualAsync(Key(tenant, connector, known.TaskId), agent, agent, Lifetime, cancellationToken).ConfigureAwait(false))
        {
            await RecordAsync(tenant, connector, known.TaskId, agent, webhook || known.Webhook, redacted || known.Redacted, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (known.Webhook && !webhook)
        {
            await RecordWebhookAsync(tenant, connector, known.TaskId, cancellationToken).ConfigureAwait(false);
        }

        if (known.Redacted)
        {
            await RecordRedactedAsync(tenant, connector, known.TaskId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records that a call naming a push-notification webhook was forwarded for <paramref name="taskId"/>: the remote agent may push the task there.</summary>
    public ValueTask RecordWebhookAsync(string tenant, string connector, string taskId, CancellationToken cancellationToken) =>
        _store.SetAsync(WebhookKey(tenant, connector, taskId), FlagSet, Lifetime, cancellationToken);

    /// <summary>Records that a call under a <c>redact</c> or <c>mask</c> degrade was forwarded for <paramref name="taskId"/>: the remote agent's task holds what the gateway redacted.</summary>
    public ValueTask RecordRedactedAsync(string tenant, string connector, string taskId, CancellationToken cancellationToken) =>
        _store.SetAsync(RedactedKey(tenant, connector, taskId), FlagSet, Lifetime, cancellationToken);

    /// <summary>True when any of <paramref name="taskIds"/> on <paramref name="connector"/> has a webhook on record (<see cref="RecordWebhookAsync"/>); a store failure throws.</summary>
    public ValueTask<bool> AnyHasWebhookAsync(string tenant, string connector, IReadOnlyList<string> taskIds, CancellationToken cancellationToken) =>
        AnyFlaggedAsync(taskIds, task => WebhookKey(tenant, connector, task), cancellationToken);

    /// <summary>True when any of <paramref name="taskIds"/> on <paramref name="connector"/> was served redacted (<see cref="RecordRedactedAsync"/>); a store failure throws.</summary>
    public ValueTask<bool> AnyRedactedAsync(string tenant, string connector, IReadOnlyList<string> taskIds, CancellationToken cancellationToken) =>
        AnyFlaggedAsync(taskIds, task => RedactedKey(tenant, connector, task), cancellationToken);

    /// <summary>Records <paramref name="agent"/> as the holder of the context <paramref name="contextId"/> on <paramref name="connector"/> (kept while the first holder stands).</summary>
    public ValueTask RecordContextAsync(string tenant, string connector, string contextId, string agent, CancellationToken cancellationToken) =>
        ClaimAsync(ContextKey(tenant, connector, contextId), agent, cancellationToken);

    /// <summary>True when <paramref name="agent"/> opened <paramref name="taskId"/> on <paramref name="connector"/>.</summary>
    public async ValueTask<bool> IsOwnerAsync(string tenant, string connector, string taskId, string agent, CancellationToken cancellationToken) =>
        await _store.GetAsync(Key(tenant, connector, taskId), cancellationToken).ConfigureAwait(false) == agent;

    /// <summary>
    /// Reads, in one call (none when nothing is named), whether a call's context <paramref name="contextId"/> or one of its
    /// tasks (<paramref name="taskId"/>, the one it acts on, and <paramref name="referenced"/>) is foreign to
    /// <paramref name="agent"/> (a context another agent holds, one no answer has named yet being open; a task the agent
    /// did not open), and the flags of <paramref name="taskId"/> when nothing is foreign; a store failure throws.
    /// </summary>
    public async ValueTask<(bool Foreign, A2aTaskFlags? ActedOn)> ReadAsync(string tenant, string connector, string agent, string? contextId, string? taskId, IReadOnlyList<string> referenced, CancellationToken cancellationToken)
    {
        List<string> keys = taskId is null ? [] : [Key(tenant, connector, taskId), WebhookKey(tenant, connector, taskId), RedactedKey(tenant, connector, taskId)];
        var first = keys.Count;
        keys.AddRange(referenced.Select(task => Key(tenant, connector, task)));
        if (contextId is not null)
        {
            keys.Add(ContextKey(tenant, connector, contextId));
        }

        if (keys.Count == 0)
        {
            return (false, null);
        }

        var held = await _store.GetManyAsync(keys, cancellationToken).ConfigureAwait(false);

        // A task id no answer could name (A2aTaskEvents.Recordable) is no caller's, whatever an earlier version stored for it.
        var foreign = (taskId is not null && (held[0] != agent || !A2aTaskEvents.Recordable(taskId)))
            || referenced.Any(static task => !A2aTaskEvents.Recordable(task))
            || Enumerable.Range(first, referenced.Count).Any(i => held[i] != agent)
            || (contextId is not null && held[^1] is { } holder && holder != agent);
        return (foreign, foreign || taskId is null ? null : new A2aTaskFlags(taskId, held[1] is not null, held[2] is not null));
    }

    private static string Key(string tenant, string connector, string taskId) => StoreKeys.A2aTaskOwner(tenant, connector, Digest(taskId));

    private static string WebhookKey(string tenant, string connector, string taskId) => StoreKeys.A2aTaskWebhook(tenant, connector, Digest(taskId));

    private static string RedactedKey(string tenant, string connector, string taskId) => StoreKeys.A2aTaskRedacted(tenant, connector, Digest(taskId));

    private static string ContextKey(string tenant, string connector, string contextId) => StoreKeys.A2aContextOwner(tenant, connector, Digest(contextId));

    private static string Digest(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    private async ValueTask<bool> AnyFlaggedAsync(IReadOnlyList<string> taskIds, Func<string, string> keyOf, CancellationToken cancellationToken)
    {
        if (taskIds.Count == 0)
        {
            return false;
        }

        var flags = await _store.GetManyAsync([.. taskIds.Select(keyOf)], cancellationToken).ConfigureAwait(false);
        return flags.Any(static flag => flag is not null);
    }

    /// <summary>Claims <paramref name="key"/> for <paramref name="agent"/>: its lifetime renewed when the agent already holds it.</summary>
    private async ValueTask ClaimAsync(string key, string agent, CancellationToken cancellationToken)
    {
        if (!await _store.TrySetIfAbsentAsync(key, agent, Lifetime, cancellationToken).ConfigureAwait(false)
            && await _store.GetAsync(key, cancellationToken).ConfigureAwait(false) == agent)
        {
            await _store.SetAsync(key, agent, Lifetime, cancellationToken).ConfigureAwait(false);
        }
    }
}
