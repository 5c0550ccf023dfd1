using System.Collections.Concurrent;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// The gateway's one MCP client of the servers it governs (the official .NET SDK), with the connector's credential from the
/// vault: one pooled session per tenant, server and credential binding (a bundle changing the credential closes the old one), on which the gateway lists the server's tools, reads its prompts and
/// resources (kept as its tools are, one read at a time: <c>McpServerToolLists.Listings.cs</c>), forwards the agents'
/// governed calls and sends the clients' answers to the server's requests (<c>McpServerToolLists.Sessions.cs</c>). The tools each <c>mcp</c> connector's server serves are kept for
/// <see cref="RefreshInterval"/> from the moment the server was asked (by this replica, or by another one through the shared
/// <see cref="McpToolListCache"/>) and dropped at once when the server says its list changed or a new bundle changes its tenant's policy:
/// a replica told so asks the server itself, never the shared copy, and replaces that copy. A session that fails
/// (the server restarted, forgot the session, or is down) is closed and a new one opened on the next listing, so an
/// expired upstream session recovers by itself; while a server is down its listing says so
/// (<see cref="McpServerTools.Available"/> false), and only its own tools are affected.
/// </summary>
public sealed partial class McpServerToolLists : IAsyncDisposable
{
    /// <summary>How long a listing is served before the server is asked again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long a new session waits for the server to answer its GET stream before it is used regardless.</summary>
    public static readonly TimeSpan StreamWait = TimeSpan.FromSeconds(2);

    /// <summary>How long a failed server is left alone before it is tried again.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    // One session per tenant, server and endpoint: the connector's upstream, and each of its other destinations a governed
    // call is forwarded to (a server's replicas need not share their sessions); and one per person whose own credential a
    // call carries (Person: issuer and subject), so that no person's call goes on a session another person's opened; and
    // per credential binding (McpToolListCache.CredentialBinding), so that a bundle changing the server's credential opens a
    // new session with it and closes the old one, never sending the old credential again (McpServerToolLists.Bindings.cs).
    private readonly ConcurrentDictionary<(string Tenant, string Server, Uri Endpoint, string? Person, string Binding), Upstream> _upstreams = new();
    private readonly CredentialResolver _credentials;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly McpToolListCache? _shared;
    private readonly Func<string, string, CatalogEntry?>? _inForce;

    /// <param name="credentials">The connectors' credentials.</param>
    /// <param name="time">The gateway's clock: every freshness decision.</param>
    /// <param name="loggers">The loggers (the SDK's client too).</param>
    /// <param name="shared">The listings shared with the other replicas; null: this replica's own listings only.</param>
    /// <param name="inForce">A tenant's server as the policy in force defines it (null when it has none): the one credential binding its sessions are opened with (McpServerToolLists.Bindings.cs); null: whichever binding a call brings.</param>
    public McpServerToolLists(CredentialResolver credentials, TimeProvider time, ILoggerFactory loggers, McpToolListCache? shared = null, Func<string, string, CatalogEntry?>? inForce = null)
    {
        _credentials = credentials;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<McpServerToolLists>();
        _shared = shared;
        _inForce = inForce;
    }

    /// <summary>Raised with the tenant and server whose tools changed (the server said so, or a new listing differs).</summary>
    public event Action<string, string>? Changed;

    /// <summary>The tools <paramref name="server"/> (an <c>mcp</c> entry of <paramref name="tenant"/>) serves.</summary>
    public async ValueTask<McpServerTools> GetAsync(string tenant, CatalogEntry server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Upstream is null)
        {
            return new McpServerTools(false, [], "the connector has no upstream");
        }

        var upstream = UpstreamOf(tenant, server);
        if (Fresh(upstream) is { } current)
        {
            return current;
        }

        await upstream.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh(upstream) is { } fresh)
            {
                return fresh;
            }

            var (listed, fetchedAt) = await ListOrReadSharedAsync(tenant, upstream, server, cancellationToken).ConfigureAwait(false);
            var changed = upstream.Current is { } previous && !SameTools(previous, listed);
            upstream.Current = listed;
            upstream.FetchedAt = fetchedAt;
            upstream.Stale = false;
            if (changed)
            {
                Changed?.Invoke(tenant, server.Name);
            }

            return listed;
        }
        finally
        {
            upstream.Gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="use"/> on the gateway's session with <paramref name="server"/> (a resource subscription): null
    /// when the server is unreachable or refuses, the session then replaced for the next use.
    /// </summary>
    public async ValueTask<T?> WithServerAsync<T>(string tenant, CatalogEntry server, Func<McpClient, CancellationToken, ValueTask<T>> use, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(use);
        if (server.Upstream is null)
        {
            return null;
        }

        var upstream = UpstreamOf(tenant, server);
        await upstream.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (value, failure) = await UseAsync(upstream, server, use, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                LogUnavailable(_logger, upstream.Server, upstream.Tenant, failure.GetType().Name, failure.Message);
            }

            return value;
        }
        finally
        {
            upstream.Gate.Release();
        }
    }

    /// <summary>Every server is asked again at its next listing, of tools, prompts or resources (a new bundle may have new servers or new pins).</summary>
    public void Invalidate()
    {
        Volatile.Write(ref _invalidatedAt, _time.GetUtcNow().ToUnixTimeMilliseconds());
        InvalidateListings();
        foreach (var upstream in _upstreams.Values)
        {
            upstream.Stale = true;
        }
    }

    /// <summary>The servers of <paramref name="tenants"/> alone are asked again at their next listing (a new bundle changed their policies); every other tenant's are kept.</summary>
    public void Invalidate(IReadOnlySet<string> tenants)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var tenant in tenants)
        {
            _tenantInvalidatedAt[tenant] = now;
            InvalidateListings(tenant);
        }

        foreach (var upstream in _upstreams.Values)
        {
            if (tenants.Contains(upstream.Tenant))
            {
                upstream.Stale = true;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var upstream in _upstreams.Values)
        {
            await upstream.CloseAsync().ConfigureAwait(false);
        }

        _upstreams.Clear();
    }

    private async Task<McpServerTools> ListAsync(Upstream upstream, CatalogEntry server, CancellationToken cancellationToken)
    {
        // A session that failed once is replaced: the second attempt runs on a new session.
        for (var attempt = 0; ; attempt++)
        {
            var (tools, failure) = await UseAsync(upstream, server, ListToolsAsync, cancellationToken).ConfigureAwait(false);
            if (tools is not null)
            {
                return new McpServerTools(true, tools, null);
            }

            // A listing past the bounds is the server's answer, not a failed session: a new one would answer the same.
            if (attempt > 0 || failure is ListingTooLongException)
            {
                LogUnavailable(_logger, upstream.Server, upstream.Tenant, failure!.GetType().Name, failure.Message);
                return new McpServerTools(false, [], $"the MCP server '{server.Name}' could not be reached ({failure.GetType().Name})");
            }
        }
    }

    private static ValueTask<List<Tool>> ListToolsAsync(McpClient client, CancellationToken cancellationToken) =>
        ReadPagesAsync<Tool>(async (cursor, ct) =>
        {
            var page = await client.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor }, ct).ConfigureAwait(false);
            return (page.Tools, page.NextCursor);
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="use"/> on the server's session (opened first when there is none; the caller holds the gate).
    /// A failure closes the session, so that the next use opens a new one, and is returned instead of thrown; a JSON-RPC
    /// error the server answered, a listing past the bounds (<see cref="ReadPagesAsync"/>) or an answer past the session's
    /// answer limit (<see cref="AnswerLimit"/>), is returned too but leaves the session open (the governed calls on it go on).
    /// </summary>
    private async Task<(T? Value, Exception? Failure)> UseAsync<T>(Upstream upstream, CatalogEntry server, Func<McpClient, CancellationToken, ValueTask<T>> use, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            // A session closed because a new bundle changed the server's credential is not opened again with the old one.
            ObjectDisposedException.ThrowIf(upstream.Evicted, upstream);
            upstream.Client ??= await ConnectAsync(upstream, server, cancellationToken).ConfigureAwait(false);
            return (await use(upstream.Client, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is McpProtocolException || TooLong(ex) is not null)
        {
            return (null, TooLong(ex) ?? ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await upstream.CloseAsync().ConfigureAwait(false);
            return (null, ex);
        }
    }

    private Upstream UpstreamOf(string tenant, CatalogEntry server) => UpstreamOf(tenant, server, server.Upstream!);

    /// <summary>The server's listing while it is fresh: for <see cref="RefreshInterval"/>, a failed one for <see cref="RetryInterval"/>, until the server says it changed.</summary>
    private McpServerTools? Fresh(Upstream upstream) =>
        upstream.Current is { } current && !upstream.Stale
        && _time.GetUtcNow() - upstream.FetchedAt < (current.Available ? RefreshInterval : RetryInterval)
            ? current
            : null;

    private async Task<McpClient> ConnectAsync(Upstream upstream, CatalogEntry server, CancellationToken cancellationToken)
    {
        // Sent as the gateway forwards to the server: the credential to its endpoint alone (no redirect followed, no proxy
        // between), no cookies kept; each answer read to the listing's bound (McpServerToolLists.ResponseLimit.cs).
        var sockets = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false };
        var limited = new ResponseLimitHandler(AnswerLimit(server)) { InnerHandler = sockets };
        var stream = new McpServerStreamHandler { InnerHandler = new ConnectorCredentialHandler(_credentials, upstream.Tenant, server) { InnerHandler = limited } };
        var http = new HttpClient(stream)
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = upstream.Endpoint, TransportMode = HttpTransportMode.StreamableHttp, Name = "gamut:" + server.Name },
            http,
            _loggers,
            ownsHttpClient: true);
        var options = new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "gamut-gateway", Version = "1.0" },

            // The revision the gateway's governed calls speak on this session (UpstreamEnvelopes): one per server.
            ProtocolVersion = UpstreamEnvelopes.McpProtocolVersion,
            Handlers = new McpClientHandlers
            {
                // The capabilities the governed calls on this session need: a server's requests to the client belong to a call
                // and come on that call's stream, relayed to its agent (7-Forward/McpProgressRelay.cs); none comes here.
                // Sampling is deprecated from the 2026-07-28 revision on; the servers the gateway speaks to at 2025-06-18 still ask for it.
#pragma warning disable MCP9005
                SamplingHandler = static (_, _, _) => throw NoClientHere(),
#pragma warning restore MCP9005
                ElicitationHandler = static (_, _) => throw NoClientHere(),
                NotificationHandlers =
                [
                    new(NotificationMethods.ToolListChangedNotification, (_, _) =>
                    {
                        upstream.Stale = true;
                        Changed?.Invoke(upstream.Tenant, upstream.Server);
                        return ValueTask.CompletedTask;
                    }),
                    new(NotificationMethods.PromptListChangedNotification, (_, _) =>
                    {
                        ListingChanged(upstream, NotificationMethods.PromptListChangedNotification);
                        return ValueTask.CompletedTask;
                    }),
                    new(NotificationMethods.ResourceListChangedNotification, (_, _) =>
                    {
                        ListingChanged(upstream, NotificationMethods.ResourceListChangedNotification);
                        return ValueTask.CompletedTask;
                    }),
                ],
            },
        };
        var client = await McpClient.CreateAsync(transport, options, _loggers, cancellationToken).ConfigureAwait(false);
        if (client.SessionId is not null)
        {
            // A session's client opens its GET stream after initialize; what the server sends before it is open is lost
            // (a resource update right after the subscription this session is opened for, a change to its tools).
            try
            {
                await stream.Answered.WaitAsync(StreamWait, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogStreamNotOpen(_logger, upstream.Server, upstream.Tenant, StreamWait.TotalSeconds);
            }
        }

        return client;
    }

    private static McpProtocolException NoClientHere() =>
        new("The gateway's listing session has no client to ask; a server's request to the client is relayed only within a call.", McpErrorCode.MethodNotFound);

    private static bool SameTools(McpServerTools a, McpServerTools b)
    {
        if (a.Available != b.Available || a.Tools.Count != b.Tools.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Tools.Count; i++)
        {
            if (!string.Equals(McpToolDefinition.Digest(a.Tools[i]), McpToolDefinition.Digest(b.Tools[i]), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "MCP server {Server} of tenant {Tenant} is unavailable for listing: {Error} {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string server, string tenant, string error, string reason);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Warning, Message = "MCP server {Server} of tenant {Tenant} did not answer the session's GET stream within {Seconds} s; its notifications until then are lost")]
    private static partial void LogStreamNotOpen(ILogger logger, string server, string tenant, double seconds);

    /// <summary>One server of one tenant at one endpoint: its session and (at the connector's upstream) last listing.</summary>
    private sealed class Upstream(string tenant, string server, Uri endpoint, string? person, string binding)
    {
        public string Tenant { get; } = tenant;

        public string Server { get; } = server;

        public Uri Endpoint { get; } = endpoint;

        public string? Person { get; } = person;

        /// <summary>The credential binding the session was opened with (<see cref="McpToolListCache.CredentialBinding"/>).</summary>
        public string Binding { get; } = binding;

        /// <summary>When a call last asked for this session (a person's sessions beyond the bound close least recently used first).</summary>
        public long LastUsed;

        /// <summary>Set (under <see cref="Gate"/>) when the session was closed to make room: a caller holding it looks it up anew.</summary>
        public bool Evicted;

        /// <summary>Never looked up nor opened: what a call gets for a binding the policy in force does not give its server (<see cref="Evicted"/> too).</summary>
        public bool Refused { get; init; }

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public McpClient? Client { get; set; }

        public McpServerTools? Current { get; set; }

        public DateTimeOffset FetchedAt { get; set; }

        public volatile bool Stale;

        public async ValueTask CloseAsync()
        {
            if (Client is { } client)
            {
                Client = null;
                try
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Closing a session the server already dropped: nothing to do.
                }
            }
        }
    }
}
