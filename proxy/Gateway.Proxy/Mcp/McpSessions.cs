using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Gateway.Connectors.Mcp;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Delegations;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Store;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The live MCP sessions on this replica: how many each registered agent holds, its delegated descendants' included (the limit <see cref="McpEndpointOptions.MaxSessionsPerAgent"/>)
/// and how many tool calls it has in flight (<see cref="McpEndpointOptions.MaxPendingCallsPerAgent"/>); an agent at its
/// session limit gives up its least recently used session of the same person (sessions for no person are a group of
/// their own) that has no call in flight here (<see cref="TryEvictAsync"/>), and a session is bound to its agent and its
/// person (<see cref="BelongsToAnotherPerson"/>); a session lives as long as its record in the state store (<see cref="IsLiveAsync"/>), so that one ended on any
/// replica is unknown on every one;
/// and the sessions that listed tools, which are told <c>notifications/tools/list_changed</c> when what their agent may
/// use changes: a bundle reload that changes its tenant's policy (<c>McpSessions.Policy.cs</c>), a kill switch or a suspension set through this replica's admin API (a delegated child's
/// sessions too, when it is its registered agent's; a switch thrown also ends their calls in flight here), a delegation
/// revoked through it (the revoked children's sessions, and their subtree's; their calls in flight here end too), or an
/// upstream server whose tools changed. Calls in flight here stopped through another replica end at the next recheck
/// (<c>McpSessions.Recheck.cs</c>).
/// A session not seen for the idle timeout is forgotten, as the MCP server forgets it. Its calls in flight:
/// <c>McpSessions.Calls.cs</c>.
/// </summary>
internal sealed partial class McpSessions : IDisposable
{
    /// <summary>The longest session id looked up in the store (the SDK's are 32 hex digits).</summary>
    private const int MaxSessionIdLength = 256;

    /// <summary>How many times within one idle timeout a used session's record is renewed at most.</summary>
    private const int RenewalsPerIdleTimeout = 10;

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tenant, string Agent), StrongBox<int>> _pending = new();
    private readonly PolicyProvider _policy;
    private readonly McpServerToolLists _servers;
    private readonly AgentStatusService _switches;
    private readonly DelegationStore _delegations;
    private readonly IStateStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _idle;
    private readonly TimeSpan _recheckInterval;
    private readonly int _maxSessions;
    private readonly ILogger<McpSessions> _logger;

    public McpSessions(PolicyProvider policy, McpServerToolLists servers, AgentStatusService switches, DelegationStore delegations,
        IStateStore store, IOptions<McpEndpointOptions> options, TimeProvider time, ILogger<McpSessions> logger)
    {
        _store = store;
        _policy = policy;
        _servers = servers;
        _switches = switches;
        _delegations = delegations;
        _time = time;
        _idle = options.Value.IdleTimeout;
        _recheckInterval = options.Value.InFlightRecheckInterval;
        _maxSessions = options.Value.MaxSessionsPerAgent;
        _logger = logger;
        _policy.Applying += OnPolicyApplying;
        _policy.Applied += OnPolicyApplied;
        _servers.Changed += OnServerChanged;
        _switches.Switched += OnSwitched;
        _delegations.Revoked += OnDelegationRevoked;
    }

    /// <summary>
    /// Records a session opened (or continued) by <paramref name="agent"/> of <paramref name="tenant"/>; for a delegated
    /// child, <paramref name="chain"/> is its actor chain (its registered agent, then each child down to it), so that what
    /// stops an ancestor reaches the child's session too; <paramref name="person"/> is the (issuer, subject) of the person it acts for, if any.
    /// </summary>
    public void Seen(string sessionId, string tenant, string agent, IReadOnlyList<ActorLink>? chain = null, (string? Issuer, string? Subject) person = default)
    {
        var now = _time.GetUtcNow();
        _sessions.AddOrUpdate(sessionId, static (_, s) => new Session(s.tenant, s.agent, s.chain, s.person) { LastSeen = s.now }, static (_, existing, s) =>
        {
            existing.LastSeen = s.now;
            return existing;
        }, (tenant, agent, chain, person, now));
    }

    /// <summary>A session the client ended (<c>DELETE /mcp</c>): forgotten here and its record removed, so that no replica continues it.</summary>
    public async ValueTask EndAsync(string tenant, string sessionId, CancellationToken cancellationToken)
    {
        _sessions.TryRemove(sessionId, out _);
        await _store.DeleteAsync(StoreKeys.McpSession(tenant, sessionId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the session is known here and belongs to someone else than <paramref name="agent"/> of <paramref name="tenant"/>.</summary>
    public bool BelongsToAnother(string sessionId, string tenant, string agent) =>
        _sessions.TryGetValue(sessionId, out var session) && (session.Tenant != tenant || session.Agent != agent);

    /// <summary>True when the session is known here and acts for another person than <paramref name="person"/> (or for one, when <paramref name="person"/> is null, or for none).</summary>
    public bool BelongsToAnotherPerson(string sessionId, ActingPerson? person) =>
        _sessions.TryGetValue(sessionId, out var session) && !session.IsFor(person);

    /// <summary>The sessions <paramref name="agent"/> holds on this replica (idle ones forgotten first).</summary>
    public int CountFor(string tenant, string agent)
    {
        var cutoff = _time.GetUtcNow() - _idle;
        var count = 0;
        foreach (var (id, session) in _sessions)
        {
            if (session.LastSeen < cutoff)
            {
                _sessions.TryRemove(id, out _);
            }
            else if (CountsAgainst(session, tenant, agent))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Whether the session <paramref name="sessionId"/> of <paramref name="agent"/> is live: its record is in the state
    /// store (it was not ended, evicted or expired on any replica). A live one is remembered here (<see cref="Seen"/>) and
    /// its record's lifetime renewed now and then while it is used, only while it is still the record just read (a
    /// compare-and-set: a session ended on another replica meanwhile stays ended, and is reported ended); one that is not
    /// is forgotten here.
    /// </summary>
    public async ValueTask<bool> IsLiveAsync(string sessionId, string tenant, string agent, IReadOnlyList<ActorLink>? chain, CancellationToken cancellationToken)
    {
        var key = StoreKeys.McpSession(tenant, sessionId);
        var stored = sessionId.Length <= MaxSessionIdLength ? await _store.GetAsync(key, cancellationToken).ConfigureAwait(false) : null;
        if (stored is null || SessionRecord.Of(stored, agent) is not { } record)
        {
            _sessions.TryRemove(sessionId, out _);
            return false;
        }

        // Continued here from its record (opened on another replica): the person it acts for is the record's.
        Seen(sessionId, tenant, agent, chain, (record.PersonIssuer, record.PersonSubject));
        if (_sessions.TryGetValue(sessionId, out var session) && _time.GetUtcNow() - session.StoredAt >= _idle / RenewalsPerIdleTimeout)
        {
            // The record lives for the idle timeout from its last renewal: renewed well within it while the session is used.
            session.StoredAt = _time.GetUtcNow();
            if (!await _store.ReplaceIfEqualAsync(key, stored, stored, _idle, cancellationToken).ConfigureAwait(false))
            {
                // Ended (or replaced) on another replica since it was read: never written back.
                _sessions.TryRemove(sessionId, out _);
                return false;
            }
        }

        return true;
    }

    /// <summary>A session opened here for <paramref name="person"/> (null: none): remembered, its record (just stored) fresh.</summary>
    public void Opened(string sessionId, string tenant, string agent, IReadOnlyList<ActorLink>? chain, ActingPerson? person = null)
    {
        Seen(sessionId, tenant, agent, chain, (person?.Issuer, person?.Subject));
        if (_sessions.TryGetValue(sessionId, out var session))
        {
            session.StoredAt = _time.GetUtcNow();
        }
    }

    /// <summary>How many sessions a registered agent, its descendants' included, holds at most (<see cref="McpEndpointOptions.MaxSessionsPerAgent"/>).</summary>
    public int MaxSessionsPerAgent => _maxSessions;

    /// <summary>True when the registered agent <paramref name="agent"/> holds <see cref="MaxSessionsPerAgent"/> sessions here: a new one needs one to give way.</summary>
    public bool AtSessionLimit(string tenant, string agent) => CountFor(tenant, agent) >= _maxSessions;

    /// <summary>True when one of the sessions <paramref name="agent"/> holds here for <paramref name="person"/> (null: for none) has no call in flight: it could give way (<see cref="TryEvictAsync"/>).</summary>
    public bool HasIdleSession(string tenant, string agent, ActingPerson? person) =>
        _sessions.Values.Any(session => CountsAgainst(session, tenant, agent) && session.IsFor(person) && Volatile.Read(ref session.CallsInFlight) == 0);

    /// <summary>
    /// Makes room for one more session of <paramref name="agent"/> for <paramref name="person"/> (null: for none), at its
    /// limit: its least recently used session for that same person with no call in flight on this replica is ended
    /// (forgotten here, its record removed from the state store, so that every replica answers its id as unknown) and its
    /// id returned; another person's session never gives way. Null when every one of its sessions for that person has a call in flight.
    /// </summary>
    public async ValueTask<string?> TryEvictAsync(string tenant, string agent, ActingPerson? person, CancellationToken cancellationToken)
    {
        while (true)
        {
            string? oldest = null;
            Session? chosen = null;
            foreach (var (id, session) in _sessions)
            {
                if (CountsAgainst(session, tenant, agent) && session.IsFor(person) && Volatile.Read(ref session.CallsInFlight) == 0 && (chosen is null || session.LastSeen < chosen.LastSeen))
                {
                    (oldest, chosen) = (id, session);
                }
            }

            if (oldest is null || chosen is null)
            {
                return null;
            }

            if (!_sessions.TryRemove(new KeyValuePair<string, Session>(oldest, chosen)))
            {
                // Another initialize took it meanwhile: choose again.
                continue;
            }

            await _store.DeleteAsync(StoreKeys.McpSession(tenant, oldest), cancellationToken).ConfigureAwait(false);
            LogEvicted(_logger, tenant, chosen.Agent, oldest, _time.GetUtcNow() - chosen.LastSeen);
            return oldest;
        }
    }

    /// <summary>A call of the session <paramref name="sessionId"/> began here: the session is not given way while it runs.</summary>
    public void SessionCallStarted(string sessionId)
    {
        if (_sessions.TryGetValue(sessionId, out var session))
        {
            Interlocked.Increment(ref session.CallsInFlight);
        }
    }

    /// <summary>A call <see cref="SessionCallStarted"/> counted ended.</summary>
    public void SessionCallEnded(string sessionId)
    {
        if (_sessions.TryGetValue(sessionId, out var session) && Interlocked.Decrement(ref session.CallsInFlight) < 0)
        {
            Interlocked.Increment(ref session.CallsInFlight);
        }
    }

    /// <summary>
    /// Whether a session counts against the registered agent <paramref name="agent"/>'s session limit: its own and its
    /// delegated descendants' do (delegating adds no sessions).
    /// </summary>
    private static bool CountsAgainst(Session session, string tenant, string agent) => session.Tenant == tenant && session.RegisteredAgent == agent;

    /// <summary>
    /// Counts a tool call of the registered agent <paramref name="agent"/> (or of a descendant of it) in flight, unless it already has <paramref name="limit"/>: false then.
    /// Each true is ended by <see cref="EndCall"/>.
    /// </summary>
    public bool TryStartCall(string tenant, string agent, int limit)
    {
        var pending = _pending.GetOrAdd((tenant, agent), static _ => new StrongBox<int>());
        if (Interlocked.Increment(ref pending.Value) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref pending.Value);
        return false;
    }

    /// <summary>How many tool calls of the registered agent <paramref name="agent"/> (and its descendants) are in flight now.</summary>
    public int CallsInFlight(string tenant, string agent) => _pending.TryGetValue((tenant, agent), out var pending) ? Volatile.Read(ref pending.Value) : 0;

    /// <summary>A tool call counted by <see cref="TryStartCall"/> ended.</summary>
    public void EndCall(string tenant, string agent)
    {
        if (_pending.TryGetValue((tenant, agent), out var pending))
        {
            Interlocked.Decrement(ref pending.Value);
        }
    }

    /// <summary>Remembers the MCP server of a session that listed tools, to tell it when they change.</summary>
    public void Listens(string? sessionId, McpServer server, string tenant, string agent)
    {
        if (sessionId is not null && _sessions.TryGetValue(sessionId, out var session) && session.Tenant == tenant && session.Agent == agent)
        {
            session.Server = server;
        }
    }

    /// <summary>
    /// Tells the sessions of <paramref name="tenant"/> that their tools changed: every one, or those <paramref name="affected"/>
    /// selects.
    /// </summary>
    public Task NotifyToolsChangedAsync(string? tenant, Func<Session, bool>? affected = null)
    {
        var sends = new List<Task>();
        foreach (var (id, session) in _sessions)
        {
            if (session.Server is { } server && (tenant is null || session.Tenant == tenant) && (affected is null || affected(session)))
            {
                sends.Add(SendAsync(id, server));
            }
        }

        return Task.WhenAll(sends);
    }

    public void Dispose()
    {
        _policy.Applying -= OnPolicyApplying;
        _policy.Applied -= OnPolicyApplied;
        _servers.Changed -= OnServerChanged;
        _switches.Switched -= OnSwitched;
        _delegations.Revoked -= OnDelegationRevoked;
        StopRechecking();
    }

    private async Task SendAsync(string id, McpServer server)
    {
        try
        {
            await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The session ended (or its stream is gone): it has nothing to be told any more.
            if (_sessions.TryGetValue(id, out var session) && ReferenceEquals(session.Server, server))
            {
                session.Server = null;
            }

            LogNotifyFailed(_logger, id, ex.GetType().Name);
        }
    }

    private void OnServerChanged(string tenant, string server) => _ = NotifyToolsChangedAsync(tenant);

    // An agent's switch reaches its own sessions and those of every child it delegated (a child acts under its agent's);
    // a switch thrown (not one released) also ends their calls in flight here.
    private void OnSwitched(string tenant, string? agent)
    {
        _ = NotifyToolsChangedAsync(tenant, agent is null ? null : session => session.Agent == agent || session.RegisteredAgent == agent);
        _ = StopCallsAsync(tenant, agent);
    }

    // A revoked child's sessions and its subtree's; for a registered agent's revocation of everything, its children's. Their
    // calls in flight here end too, as a kill switch ends its agent's.
    private void OnDelegationRevoked(string tenant, string revoked)
    {
        _ = NotifyToolsChangedAsync(tenant, session => IsRevokedBy(session.Delegates, session.RegisteredAgent, revoked));
        StopDelegatedCalls(tenant, revoked);
    }

    [LoggerMessage(EventId = 4321, Level = LogLevel.Information, Message = "MCP session {Session} of {Tenant}/{Agent} ended to make room for a new one: the agent was at its session limit and this session was its least recently used (idle {Idle}) with no call in flight")]
    private static partial void LogEvicted(ILogger logger, string tenant, string agent, string session, TimeSpan idle);

    [LoggerMessage(EventId = 4320, Level = LogLevel.Debug, Message = "MCP session {Session} could not be told its tools changed ({Error})")]
    private static partial void LogNotifyFailed(ILogger logger, string session, string error);

    /// <summary>One MCP session on this replica: whose it is (and, for a delegated child, the chain it acts under).</summary>
    internal sealed class Session(string tenant, string agent, IReadOnlyList<ActorLink>? chain, (string? Issuer, string? Subject) person)
    {
        public string Tenant { get; } = tenant;

        public string Agent { get; } = agent;

        /// <summary>The registered agent the session acts under: its own agent, or a delegated child's agent.</summary>
        public string RegisteredAgent { get; } = chain is null ? agent : ActorChain.From(chain).Agent;

        /// <summary>For a delegated child, the children from its agent down to it (itself last); empty for an agent.</summary>
        public IReadOnlyList<string> Delegates { get; } = chain is null ? [] : [.. chain.Where(static l => l.Kind == ActorKind.Delegate).Select(static l => l.Id)];

        /// <summary>The person the session acts for, by issuer and subject; both null for none.</summary>
        public (string? Issuer, string? Subject) Person { get; } = person;

        public DateTimeOffset LastSeen { get; set; }

        /// <summary>When this replica last stored (or renewed) the session's record.</summary>
        public DateTimeOffset StoredAt { get; set; } = DateTimeOffset.MinValue;

        /// <summary>Calls of this session in flight on this replica.</summary>
        public int CallsInFlight;

        public volatile McpServer? Server;

        /// <summary>Whether the session acts for <paramref name="person"/> (null: for no person).</summary>
        public bool IsFor(ActingPerson? person) =>
            string.Equals(Person.Issuer, person?.Issuer, StringComparison.Ordinal) && string.Equals(Person.Subject, person?.Subject, StringComparison.Ordinal);
    }
}
