namespace Gateway.Proxy.Mcp;

/// <summary>
/// What bounds the subscriptions on this replica: at most <see cref="McpEndpointOptions.MaxSubscriptionsPerSession"/>
/// resources per session and <see cref="McpEndpointOptions.MaxSubscriptionsPerAgent"/> per registered agent (its delegated
/// children's included), a <c>/mcp</c> URI of at most <see cref="MaxUriBytes"/>. A subscribe takes its place when it is
/// described (<see cref="TryReserve"/>), before the server is asked, so that subscribes arriving together cannot pass the
/// limits between them; the place is the subscription's once the server took it, and given back when the request ends
/// otherwise. Each session's subscriptions are indexed, so that an unsubscribe or a session's end touches only its own.
/// </summary>
internal sealed partial class McpResourceSubscriptions
{
    /// <summary>The longest <c>/mcp</c> resource URI (UTF-8 bytes) a session may subscribe to; a longer one is invalid params.</summary>
    public const int MaxUriBytes = 2_048;

    private readonly Lock _counting = new();
    private readonly Dictionary<string, SessionSubscriptions> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Tenant, string Agent), int> _agentCounts = [];

    /// <summary>
    /// A place for the subscribe of <paramref name="sessionId"/> (of <paramref name="registeredAgent"/>) to
    /// <paramref name="clientUri"/>, given back when disposed (the request's end); null, with why in
    /// <paramref name="refused"/>, when the session or the agent is at its limit. A resource the session is subscribed to
    /// already takes no second place.
    /// </summary>
    public IDisposable? TryReserve(string tenant, string registeredAgent, string sessionId, string clientUri, out string? refused)
    {
        lock (_counting)
        {
            var session = SessionOf(sessionId, tenant, registeredAgent);
            refused = null;
            if (session.Keys.ContainsValue(clientUri))
            {
                return new Reservation(this, sessionId, session, counted: false);
            }

            if (session.Keys.Count + session.Reserved >= _options.MaxSubscriptionsPerSession)
            {
                refused = $"This session is subscribed to {_options.MaxSubscriptionsPerSession} resources already; unsubscribe from one first.";
            }
            else if (_agentCounts.GetValueOrDefault((session.Tenant, session.Agent)) >= _options.MaxSubscriptionsPerAgent)
            {
                refused = $"This agent's sessions are subscribed to {_options.MaxSubscriptionsPerAgent} resources already; unsubscribe from one first.";
            }

            if (refused is not null)
            {
                ForgetIfEmpty(sessionId, session);
                return null;
            }

            session.Reserved++;
            Count(session, 1);
            return new Reservation(this, sessionId, session, counted: true);
        }
    }

    /// <summary>Indexes the session's subscription to <paramref name="key"/> (the server took it): it counts from now on.</summary>
    private void Indexed(string sessionId, string tenant, string registeredAgent, (string Tenant, string Server, string Uri) key, string clientUri)
    {
        lock (_counting)
        {
            var session = SessionOf(sessionId, tenant, registeredAgent);
            if (session.Keys.TryAdd(key, clientUri))
            {
                Count(session, 1);
            }
            else
            {
                session.Keys[key] = clientUri;
            }
        }
    }

    /// <summary>Drops the session's subscription to <paramref name="key"/> from the index.</summary>
    private void Unindexed(string sessionId, (string Tenant, string Server, string Uri) key)
    {
        lock (_counting)
        {
            if (_sessions.TryGetValue(sessionId, out var session) && session.Keys.Remove(key))
            {
                Count(session, -1);
                ForgetIfEmpty(sessionId, session);
            }
        }
    }

    /// <summary>The resources the session subscribed to (those named <paramref name="clientUri"/> when given), of <paramref name="tenant"/> when given.</summary>
    private List<(string Tenant, string Server, string Uri)> KeysOf(string sessionId, string? tenant = null, string? clientUri = null)
    {
        lock (_counting)
        {
            return _sessions.TryGetValue(sessionId, out var session)
                ? [.. session.Keys.Where(k => (tenant is null || k.Key.Tenant == tenant) && (clientUri is null || k.Value == clientUri)).Select(static k => k.Key)]
                : [];
        }
    }

    // Under _counting.
    private SessionSubscriptions SessionOf(string sessionId, string tenant, string registeredAgent)
    {
        if (!_sessions.TryGetValue(sessionId, out var session))
        {
            session = new SessionSubscriptions(tenant, registeredAgent);
            _sessions[sessionId] = session;
        }

        return session;
    }

    // Under _counting.
    private void Count(SessionSubscriptions session, int by)
    {
        var agent = (session.Tenant, session.Agent);
        var count = _agentCounts.GetValueOrDefault(agent) + by;
        if (count > 0)
        {
            _agentCounts[agent] = count;
        }
        else
        {
            _agentCounts.Remove(agent);
        }
    }

    // Under _counting.
    private void ForgetIfEmpty(string sessionId, SessionSubscriptions session)
    {
        if (session.Keys.Count == 0 && session.Reserved == 0 && _sessions.TryGetValue(sessionId, out var current) && current == session)
        {
            _sessions.Remove(sessionId);
        }
    }

    /// <summary>One session's subscriptions: each resource with the <c>/mcp</c> URI it was subscribed under, and the subscribes in progress.</summary>
    private sealed class SessionSubscriptions(string tenant, string agent)
    {
        public string Tenant { get; } = tenant;

        public string Agent { get; } = agent;

        public Dictionary<(string Tenant, string Server, string Uri), string> Keys { get; } = [];

        public int Reserved { get; set; }
    }

    /// <summary>A subscribe's place while its request runs.</summary>
    private sealed class Reservation(McpResourceSubscriptions owner, string sessionId, SessionSubscriptions session, bool counted) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (!counted || Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            lock (owner._counting)
            {
                session.Reserved--;
                owner.Count(session, -1);
                owner.ForgetIfEmpty(sessionId, session);
            }
        }
    }
}
