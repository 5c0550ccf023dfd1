using System.Collections.Concurrent;
using Gateway.Connectors.Mcp;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Delegations;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// <c>resources/subscribe</c> on <c>/mcp</c> for a server's resource (<c>gamut-mcp://server/…</c>): the gateway's session
/// with that server subscribes once per resource, however many client sessions subscribe, and each
/// <c>notifications/resources/updated</c> it sends is passed, under the <c>/mcp</c> URI, to the subscribed sessions whose
/// caller may still use the server, and read the resource (<see cref="McpReadClearance"/>), under the policy in force at
/// that moment: an agent by its permissions, a delegated child by its agent's and its grant's, and only while no kill switch stops the caller (its tenant or agent suspended, its
/// secret revoked; a child's registered agent likewise) and a child is live (its grant, and every grant above it, neither
/// revoked nor expired): read from the shared store at each update, a failure to read them ending the subscription. The last subscriber
/// gone (unsubscribed, its session ended, or no longer reachable) unsubscribes the server. Subscriptions live on this replica.
/// </summary>
internal sealed partial class McpResourceSubscriptions : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Tenant, string Server, string Uri), Upstream> _upstreams = new();
    private readonly McpServerToolLists _servers;
    private readonly PolicyProvider _policy;
    private readonly DelegationStore _delegations;
    private readonly AgentStatusService _agents;
    private readonly ILogger<McpResourceSubscriptions> _logger;

    public McpResourceSubscriptions(McpServerToolLists servers, PolicyProvider policy, DelegationStore delegations, AgentStatusService agents, ILogger<McpResourceSubscriptions> logger)
    {
        _servers = servers;
        _policy = policy;
        _delegations = delegations;
        _agents = agents;
        _logger = logger;
    }

    /// <summary>
    /// Subscribes <paramref name="session"/> (of <paramref name="caller"/>) to <paramref name="clientUri"/>; false when the URI
    /// names no server's resource the caller may use or read (<see cref="McpReadClearance"/>), or the server would not subscribe.
    /// </summary>
    public async ValueTask<bool> SubscribeAsync(TenantPolicy tenant, McpCaller caller, AuthenticatedCaller who, McpServer session, string clientUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(caller);
        if (!McpResourceUris.TryParse(clientUri, out var serverName, out var uri)
            || !McpToolNames.For(tenant).TryResolveServer(serverName, out var server) || !caller.MayUse(tenant, server.Name)
            || !McpReadClearance.PermitsSubscription(tenant, who, server, uri))
        {
            return false;
        }

        var key = (tenant.Slug, server.Name, uri);
        var upstream = _upstreams.GetOrAdd(key, static _ => new Upstream());
        await upstream.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sessionId = session.SessionId ?? throw new ArgumentException("A subscription needs a session.", nameof(session));
            upstream.Subscribers[sessionId] = new Subscriber(caller, who, clientUri, session);
            upstream.Subscription ??= await _servers.WithServerAsync<IAsyncDisposable>(tenant.Slug, server,
                async (client, ct) => await client.SubscribeToResourceAsync(uri, (_, token) => OnUpdatedAsync(key, token), cancellationToken: ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            if (upstream.Subscription is null)
            {
                upstream.Subscribers.TryRemove(sessionId, out _);
                return false;
            }

            return true;
        }
        finally
        {
            upstream.Gate.Release();
        }
    }

    /// <summary>Ends the subscription of the session <paramref name="sessionId"/> to <paramref name="clientUri"/>.</summary>
    public async ValueTask UnsubscribeAsync(string tenant, string sessionId, string clientUri)
    {
        foreach (var (key, upstream) in _upstreams)
        {
            if (key.Tenant == tenant && upstream.Subscribers.TryGetValue(sessionId, out var subscriber) && subscriber.ClientUri == clientUri)
            {
                upstream.Subscribers.TryRemove(sessionId, out _);
                await ReleaseIfUnusedAsync(key, upstream).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends every subscription of the session <paramref name="sessionId"/> (the client ended it).</summary>
    public async ValueTask EndedAsync(string sessionId)
    {
        foreach (var (key, upstream) in _upstreams)
        {
            if (upstream.Subscribers.TryRemove(sessionId, out _))
            {
                await ReleaseIfUnusedAsync(key, upstream).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var (key, upstream) in _upstreams)
        {
            upstream.Subscribers.Clear();
            await ReleaseIfUnusedAsync(key, upstream).ConfigureAwait(false);
        }
    }

    private async ValueTask OnUpdatedAsync((string Tenant, string Server, string Uri) key, CancellationToken cancellationToken)
    {
        if (!_upstreams.TryGetValue(key, out var upstream))
        {
            return;
        }

        var tenant = _policy.Current?.Set is { } set && set.TryGetTenant(key.Tenant, out var t) ? t : null;
        foreach (var (sessionId, subscriber) in upstream.Subscribers)
        {
            if (tenant is null || !subscriber.Caller.MayUse(tenant, key.Server)
                || !tenant.TryGetCatalogEntry(key.Server, out var server) || !McpReadClearance.PermitsSubscription(tenant, subscriber.Who, server!, key.Uri)
                || !await IsLiveAsync(key.Tenant, subscriber.Caller, cancellationToken).ConfigureAwait(false))
            {
                // The caller may no longer use the server or read the resource under the policy in force (a rule added since
                // blocks it), a kill switch stops it, or a child is no more: its session hears nothing more of it.
                upstream.Subscribers.TryRemove(sessionId, out _);
                continue;
            }

            try
            {
                await subscriber.Session.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification,
                    new ResourceUpdatedNotificationParams { Uri = subscriber.ClientUri }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSubscriberGone(_logger, key.Server, key.Tenant, ex.GetType().Name);
                upstream.Subscribers.TryRemove(sessionId, out _);
            }
        }

        if (upstream.Subscribers.IsEmpty)
        {
            // Not from within the server's own notification: the unsubscribe is a request on the same session.
            _ = Task.Run(async () => await ReleaseIfUnusedAsync(key, upstream).ConfigureAwait(false), CancellationToken.None);
        }
    }

    /// <summary>
    /// True while no kill switch stops the caller: its tenant and its agent neither suspended nor (the agent) its secret
    /// revoked, and a delegated child's record live in the shared store with its registered agent's switches off too. Fail
    /// closed: false when they cannot be read.
    /// </summary>
    private async ValueTask<bool> IsLiveAsync(string tenant, McpCaller caller, CancellationToken cancellationToken)
    {
        try
        {
            if (await _agents.IsTenantSuspendedAsync(tenant, cancellationToken).ConfigureAwait(false) || await IsStoppedAsync(tenant, caller.Agent, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (caller.Grant is null)
            {
                return true;
            }

            return await _delegations.FindLiveAsync(tenant, caller.Agent, cancellationToken).ConfigureAwait(false) is { Chain: [var registered, ..] }
                && !await IsStoppedAsync(tenant, registered.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Gateway.Store.StateStoreUnavailableException ex)
        {
            LogUnchecked(_logger, caller.Agent, tenant, ex.GetType().Name);
            return false;
        }
    }

    private async ValueTask<bool> IsStoppedAsync(string tenant, string agent, CancellationToken cancellationToken) =>
        await _agents.GetAsync(tenant, agent, cancellationToken).ConfigureAwait(false) is { Suspended: true } or { SecretRevoked: true };

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

    private sealed record Subscriber(McpCaller Caller, AuthenticatedCaller Who, string ClientUri, McpServer Session);

    /// <summary>One resource of one server of one tenant: the sessions subscribed to it, and the gateway's subscription.</summary>
    private sealed class Upstream
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ConcurrentDictionary<string, Subscriber> Subscribers { get; } = new(StringComparer.Ordinal);

        public IAsyncDisposable? Subscription { get; set; }
    }
}
