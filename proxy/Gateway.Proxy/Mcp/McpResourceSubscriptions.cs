using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Gateway.Authorization.Interactive;
using Gateway.Connectors.Mcp;
using Gateway.Oversight.Agents;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People;
using Gateway.Proxy.Security;
using Gateway.Store;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// <c>resources/subscribe</c> on <c>/mcp</c> for a server's resource (<c>gamut-mcp://server/…</c>): a governed call, decided
/// by the Decide stage as the read of that resource, recorded, and sent to the server on the gateway's session with it by
/// the walk; once the server took it (<see cref="SubscribedAsync"/>), the gateway listens on that session for the resource's
/// <c>notifications/resources/updated</c>, once per resource however many client sessions subscribed, and passes each, under
/// the <c>/mcp</c> URI, to the subscribed sessions running here (<see cref="McpServedSessions"/>). That recorded decision
/// governs the subscription; each update is only narrowed further (it can withhold, never grant): it reaches a session whose
/// caller may still use the server, and read the resource (<see cref="McpReadClearance"/>), under the policy in force at
/// that moment: an agent by its permissions, a delegated child by its agent's and its grant's, and only while no kill switch stops the caller (its tenant or agent suspended, its
/// secret revoked, the secret it signed with retired; a child's registered agent likewise, and the secret that issued it;
/// the Admit stage's one reading, <see cref="AgentStatusService.IsStoppedAsync"/>) and a child would still be let in (the signature check's
/// <see cref="IDelegatedChildLiveness.IsLiveAsync"/>: its grant, and every grant above it, neither revoked nor expired, within the tenant's
/// delegation settings in force, its agent still accepting the secret or key that issued it) and no administrator of the tenant suspended the person it acts
/// for (<see cref="PersonSuspensions"/>, as the Authenticate stage reads it), nor revoked the consent an interactive client's token was issued
/// under (its token family, <see cref="InteractiveGrants.IsFamilyLiveAsync"/>): read from the shared store at each update, a failure to read them ending the subscription. The last subscriber
/// gone (unsubscribed, its session ended here or on another replica, <c>McpResourceSubscriptions.Sessions.cs</c>, or no longer reachable) unsubscribes the server. Subscriptions live on this replica,
/// bounded per session and per agent (<c>McpResourceSubscriptions.Limits.cs</c>); an event stream open on a server's own
/// route ends once a kill switch thrown here stops its caller (<c>McpResourceSubscriptions.Streams.cs</c>). One handler per server session hears
/// every update and passes it to the one resource it names (<see cref="UpdateDispatch"/>).
/// </summary>
internal sealed partial class McpResourceSubscriptions : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Tenant, string Server, string Uri), Upstream> _upstreams = new();
    private readonly ConditionalWeakTable<McpClient, UpdateDispatch> _dispatches = [];
    private readonly McpEndpointOptions _options;
    private readonly McpServerToolLists _servers;
    private readonly PolicyProvider _policy;
    private readonly IDelegatedChildLiveness _delegates;
    private readonly AgentStatusService _agents;
    private readonly McpServedSessions _served;
    private readonly IStateStore _store;
    private readonly InteractiveGrants? _grants;
    private readonly ILogger<McpResourceSubscriptions> _logger;

    public McpResourceSubscriptions(McpServerToolLists servers, PolicyProvider policy, IDelegatedChildLiveness delegates, AgentStatusService agents, McpServedSessions served,
        IStateStore store, IOptions<McpEndpointOptions> options, ILogger<McpResourceSubscriptions> logger, InteractiveGrants? grants = null)
    {
        _store = store;
        _grants = grants;
        _options = options.Value;
        _servers = servers;
        _served = served;
        _policy = policy;
        _delegates = delegates;
        _agents = agents;
        _logger = logger;
        _agents.Switched += OnSwitched;
    }

    /// <summary>
    /// The session <paramref name="sessionId"/> (of <paramref name="caller"/>, stopped by <paramref name="switches"/>' kill
    /// switches; an interactive client's token of <paramref name="tokenFamily"/>, else null) subscribed to <paramref name="clientUri"/>, the resource <paramref name="uri"/> of <paramref name="server"/>:
    /// its governed <c>resources/subscribe</c> was decided, recorded and taken by the server. From now on it hears the
    /// resource's updates; false when the gateway cannot listen to the server (it cannot be reached), the session then
    /// subscribed to nothing.
    /// </summary>
    public async ValueTask<bool> SubscribedAsync(TenantPolicy tenant, McpCaller caller, AuthenticatedCaller who, KillSwitchCaller switches, string? tokenFamily, string sessionId,
        CatalogEntry server, string uri, string clientUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(server);
        var key = (tenant.Slug, server.Name, uri);
        while (true)
        {
            var upstream = _upstreams.GetOrAdd(key, static _ => new Upstream());
            await upstream.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_upstreams.TryGetValue(key, out var current) || current != upstream)
                {
                    // Released (its last subscriber gone) while this waited: subscribe on the resource's next entry.
                    continue;
                }

                upstream.Subscribers[sessionId] = new Subscriber(new Listener(caller, who, switches, tokenFamily), clientUri);
                upstream.Subscription ??= await _servers.WithServerAsync<IAsyncDisposable>(tenant.Slug, server,
                    (client, _) => ValueTask.FromResult<IAsyncDisposable>(new Listening(_dispatches.GetValue(client, static _ => new UpdateDispatch()), client, uri,
                        (_, token) => OnUpdatedAsync(key, token))),
                    cancellationToken).ConfigureAwait(false);
                if (upstream.Subscription is null)
                {
                    upstream.Subscribers.TryRemove(sessionId, out _);
                    return false;
                }

                Indexed(sessionId, tenant.Slug, switches.RegisteredAgent ?? switches.Agent, key, clientUri);
                return true;
            }
            finally
            {
                upstream.Gate.Release();
            }
        }
    }

    /// <summary>Ends the subscription of the session <paramref name="sessionId"/> to <paramref name="clientUri"/>.</summary>
    public async ValueTask UnsubscribeAsync(string tenant, string sessionId, string clientUri)
    {
        foreach (var key in KeysOf(sessionId, tenant, clientUri))
        {
            if (_upstreams.TryGetValue(key, out var upstream) && upstream.Subscribers.TryGetValue(sessionId, out var subscriber) && subscriber.ClientUri == clientUri)
            {
                Drop(key, upstream, sessionId);
                await ReleaseIfUnusedAsync(key, upstream).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends every subscription of the session <paramref name="sessionId"/> (the client ended it).</summary>
    public async ValueTask EndedAsync(string sessionId)
    {
        foreach (var key in KeysOf(sessionId))
        {
            if (_upstreams.TryGetValue(key, out var upstream))
            {
                Drop(key, upstream, sessionId);
                await ReleaseIfUnusedAsync(key, upstream).ConfigureAwait(false);
            }
            else
            {
                Unindexed(sessionId, key);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var (key, upstream) in _upstreams)
        {
            foreach (var sessionId in upstream.Subscribers.Keys)
            {
                Drop(key, upstream, sessionId);
            }

            await ReleaseIfUnusedAsync(key, upstream).ConfigureAwait(false);
        }
    }

    private async ValueTask OnUpdatedAsync((string Tenant, string Server, string Uri) key, CancellationToken cancellationToken)
    {
        if (!_upstreams.TryGetValue(key, out var upstream))
        {
            return;
        }

        foreach (var (sessionId, subscriber) in upstream.Subscribers)
        {
            var hearing = _served.TryGet(sessionId, out var session) ? await HearingOfAsync(key, sessionId, subscriber.Listener, cancellationToken).ConfigureAwait(false) : Hearing.Withheld;
            if (hearing == Hearing.Ended)
            {
                // Ended on another replica (its record gone): it hears nothing more, and ends here too.
                Drop(key, upstream, sessionId);
                EndHere(sessionId);
                continue;
            }

            if (hearing == Hearing.Withheld)
            {
                // The session no longer runs here (or whether it lives cannot be read), the caller may no longer use the server or read the resource under the
                // policy in force (a rule added since blocks it), a kill switch stops it, a child is no more, or the person
                // it acts for is suspended, or an interactive client's consent revoked: its session hears nothing more of it.
                Drop(key, upstream, sessionId);
                continue;
            }

            try
            {
                await session.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification,
                    new ResourceUpdatedNotificationParams { Uri = subscriber.ClientUri }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSubscriberGone(_logger, key.Server, key.Tenant, ex.GetType().Name);
                Drop(key, upstream, sessionId);
            }
        }

        if (upstream.Subscribers.IsEmpty)
        {
            // Not from within the server's own notification: the unsubscribe is a request on the same session.
            _ = Task.Run(async () => await ReleaseIfUnusedAsync(key, upstream).ConfigureAwait(false), CancellationToken.None);
        }
    }

    /// <summary>
    /// True when <paramref name="listener"/> may be told of an update of <paramref name="uri"/>, a resource of
    /// <paramref name="server"/> of <paramref name="tenant"/>, now: its caller may still use the server and read the resource under the
    /// policy in force (<see cref="McpReadClearance.PermitsSubscription"/>), and it is live (<see cref="IsLiveAsync"/>). Each
    /// update <c>/mcp</c> passes to a subscribed session is cleared so, and each one an MCP server's own route passes on
    /// (<c>7-Forward/McpResourceUpdateGate.cs</c>).
    /// </summary>
    public async ValueTask<bool> MayHearAsync(string tenant, string server, string uri, Listener listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return Permits(tenant, server, uri, listener) && await IsLiveAsync(tenant, listener, switchesRead: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="listener"/>'s caller may use <paramref name="server"/> and read its <paramref name="uri"/> under the policy in force (<see cref="McpReadClearance.PermitsSubscription"/>).</summary>
    private bool Permits(string tenant, string server, string uri, Listener listener) =>
        _policy.Current?.Set is { } set && set.TryGetTenant(tenant, out var policy) && listener.Caller.MayUse(policy!, server)
        && policy!.TryGetCatalogEntry(server, out var entry) && McpReadClearance.PermitsSubscription(policy, listener.Who, entry!, uri);

    /// <summary>
    /// True while no kill switch stops the listener's caller, read as the Admit stage reads it
    /// (<see cref="AgentStatusService.IsStoppedAsync"/>: its tenant, its agent or a child's agent suspended, a secret revoked,
    /// the secret that proved it or issued a child retired), and a delegated child would still be let in
    /// (<see cref="IDelegatedChildLiveness.IsLiveAsync"/>: its record live under the tenant's delegation settings in force, its agent
    /// still accepting the secret or key that issued it), the person it acts for is not suspended (<see cref="PersonSuspensions"/>),
    /// and an interactive client's consent stands (its token family live, <see cref="InteractiveGrants.IsFamilyLiveAsync"/>).
    /// Fail closed: false when they cannot be read. Its kill switches are not read again when <paramref name="switchesRead"/> (read off already, <see cref="HearingOfAsync"/>).
    /// </summary>
    private async ValueTask<bool> IsLiveAsync(string tenant, Listener listener, bool switchesRead, CancellationToken cancellationToken)
    {
        try
        {
            if (!switchesRead && await _agents.IsStoppedAsync(listener.Switches, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            // The person it acts for (an interactive client's, or an identity token's): only while not suspended, read as
            // the Authenticate stage reads it on every request, so a suspension on any replica ends it at the next update.
            if (listener.Who.Person is { } person
                && await PersonSuspensions.IsSuspendedAsync(_store, tenant, person.Issuer, person.Subject, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            // An interactive client's token: only while its family lives (the person's consent not revoked, nor its tokens).
            if (listener.TokenFamily is { } family
                && (_grants is null || !await _grants.IsFamilyLiveAsync(family, cancellationToken).ConfigureAwait(false)))
            {
                return false;
            }

            // A child: only while the signature check would let it in (the signature check's one predicate: the tenant's
            // delegation settings in force, its workspace, its agent still accepting the secret or key that issued it).
            return listener.Caller.Grant is null
                || (listener.Caller.Workspace is { } workspace
                    && await _delegates.IsLiveAsync(tenant, workspace, listener.Caller.Agent, cancellationToken).ConfigureAwait(false));
        }
        catch (Gateway.Store.StateStoreUnavailableException ex)
        {
            LogUnchecked(_logger, listener.Caller.Agent, tenant, ex.GetType().Name);
            return false;
        }
    }

    /// <summary>The session no longer hears <paramref name="key"/>'s updates: its subscriber and its place in the index go.</summary>
    private void Drop((string Tenant, string Server, string Uri) key, Upstream upstream, string sessionId)
    {
        upstream.Subscribers.TryRemove(sessionId, out _);
        Unindexed(sessionId, key);
    }

    private async ValueTask ReleaseIfUnusedAsync((string Tenant, string Server, string Uri) key, Upstream upstream)
    {
        await upstream.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!upstream.Subscribers.IsEmpty || upstream.Subscription is not { } subscription)
            {
                return;
            }

            upstream.Subscription = null;
            _upstreams.TryRemove(new KeyValuePair<(string, string, string), Upstream>(key, upstream));
            try
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The server's session is gone already: nothing is subscribed there any more.
                LogUnsubscribeFailed(_logger, key.Server, key.Tenant, ex.GetType().Name);
            }
        }
        finally
        {
            upstream.Gate.Release();
        }
    }

    [LoggerMessage(EventId = 4330, Level = LogLevel.Information, Message = "A session subscribed to a resource of MCP server {Server} (tenant {Tenant}) is gone: {Error}")]
    private static partial void LogSubscriberGone(ILogger logger, string server, string tenant, string error);

    [LoggerMessage(EventId = 4331, Level = LogLevel.Information, Message = "Unsubscribing from a resource of MCP server {Server} (tenant {Tenant}) failed: {Error}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string server, string tenant, string error);

    [LoggerMessage(EventId = 4332, Level = LogLevel.Warning, Message = "The resource subscription of agent {Agent} (tenant {Tenant}) ended: whether a kill switch stops it could not be read ({Error})")]
    private static partial void LogUnchecked(ILogger logger, string agent, string tenant, string error);

    /// <summary>Who is told of a resource's updates: the caller, as authenticated, whose kill switches stop it, and an interactive client's token family (else null).</summary>
    public sealed record Listener(McpCaller Caller, AuthenticatedCaller Who, KillSwitchCaller Switches, string? TokenFamily);

    private sealed record Subscriber(Listener Listener, string ClientUri);

    /// <summary>
    /// The gateway listening on its session with a server for one resource's updates (through the session's one
    /// <see cref="UpdateDispatch"/>); ended, it stops listening and unsubscribes the server from the resource (what the
    /// server took from the clients' governed subscriptions).
    /// </summary>
    private sealed class Listening : IAsyncDisposable
    {
        private readonly UpdateDispatch _dispatch;
        private readonly McpClient _client;
        private readonly string _uri;
        private readonly Func<JsonRpcNotification, CancellationToken, ValueTask> _updated;

        public Listening(UpdateDispatch dispatch, McpClient client, string uri, Func<JsonRpcNotification, CancellationToken, ValueTask> updated)
        {
            (_dispatch, _client, _uri, _updated) = (dispatch, client, uri, updated);
            dispatch.Add(client, uri, updated);
        }

        public async ValueTask DisposeAsync()
        {
            _dispatch.Remove(_uri, _updated);
            await _client.UnsubscribeFromResourceAsync(_uri).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The one handler of <c>notifications/resources/updated</c> on a server session, registered with its first
    /// subscription and kept as long as the session: each update goes to the one resource it names, found by its URI.
    /// </summary>
    private sealed class UpdateDispatch
    {
        private readonly ConcurrentDictionary<string, Func<JsonRpcNotification, CancellationToken, ValueTask>> _byUri = new(StringComparer.Ordinal);
        private readonly Lock _registering = new();
        private IAsyncDisposable? _handler;

        public void Add(McpClient client, string uri, Func<JsonRpcNotification, CancellationToken, ValueTask> updated)
        {
            _byUri[uri] = updated;
            lock (_registering)
            {
                _handler ??= client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, DispatchAsync);
            }
        }

        public void Remove(string uri, Func<JsonRpcNotification, CancellationToken, ValueTask> updated) =>
            _byUri.TryRemove(KeyValuePair.Create(uri, updated));

        private ValueTask DispatchAsync(JsonRpcNotification notification, CancellationToken cancellationToken) =>
            notification.Params is JsonObject parameters && parameters["uri"] is JsonValue named && named.TryGetValue<string>(out var uri)
                && _byUri.TryGetValue(uri, out var updated)
                    ? updated(notification, cancellationToken)
                    : ValueTask.CompletedTask;
    }

    /// <summary>One resource of one server of one tenant: the sessions subscribed to it, and the gateway's subscription.</summary>
    private sealed class Upstream
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ConcurrentDictionary<string, Subscriber> Subscribers { get; } = new(StringComparer.Ordinal);

        public IAsyncDisposable? Subscription { get; set; }
    }
}
