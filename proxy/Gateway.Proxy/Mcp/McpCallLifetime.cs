using Gateway.Policy;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// A governed call on <c>/mcp</c> from its admission until it is answered: its place among its registered agent's calls in
/// flight (<see cref="McpSessions.TryStartCall"/>), its event stream (<see cref="McpCallStream"/>), and its lifetime. The call
/// outlives its client's connection (the agent resumes its event stream on reconnecting) until it ends, is cancelled
/// (<c>notifications/cancelled</c>: <see cref="McpSessions.Cancel"/>) or runs out of the session idle timeout: the request's
/// <see cref="HttpContext.RequestAborted"/> is the call's lifetime meanwhile, and what ended it early says why
/// (<see cref="McpCallCancellation"/>, added to the request) for the server the call went to. Disposing it (once the call is
/// answered) gives all of it back.
/// </summary>
internal sealed class McpCallLifetime : IDisposable
{
    /// <summary>The <see cref="HttpContext.Items"/> key of the request's call (<see cref="EndedWithClientConnected"/>).</summary>
    private static readonly object ItemKey = new();

    private readonly HttpContext _context;
    private readonly McpSessions _sessions;
    private readonly string _tenant;
    private readonly string _agent;
    private readonly string _registeredAgent;
    private readonly McpCallOwner _owner;
    private readonly string _id;
    private readonly string? _sessionId;
    private readonly CancellationToken _clientGone;
    private readonly CancellationTokenSource _lifetime;
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenRegistration _aborting;
    private readonly bool _cancellable;
    private int _ended;

    private McpCallLifetime(HttpContext context, McpSessions sessions, McpCallOwner owner, string id, string? sessionId, TimeSpan idleTimeout, McpCallCancellation cancellation)
    {
        _context = context;
        _sessions = sessions;
        (_tenant, _agent, _registeredAgent) = (owner.Tenant, owner.Agent, owner.RegisteredAgent);
        _id = id;
        _sessionId = sessionId;
        _clientGone = context.RequestAborted;
        _lifetime = new CancellationTokenSource(idleTimeout);
        context.RequestAborted = _lifetime.Token;
        context.Items[ItemKey] = this;
        _owner = owner;

        // Whatever ends the call early (a cancel, a kill switch, a revocation) aborts its request from here, first, while the
        // request runs: the registration is undone before the request ends, so no later request on its HttpContext is touched.
        _aborting = _abort.Token.Register(static request => ((HttpContext)request!).Abort(), context);
        _cancellable = sessions.TrackCall(owner, id, context, new McpCallEnding(_abort, _lifetime, cancellation));

        // Given back with the request at the latest, should Respond not release it: never after the host reuses the context.
        context.Response.RegisterForDispose(this);
        if (sessionId is not null)
        {
            sessions.SessionCallStarted(sessionId);
        }
    }

    /// <summary>
    /// Starts the call <paramref name="id"/> (raw JSON-RPC id) of <paramref name="owner"/>, unless its registered agent has
    /// <paramref name="options"/>' calls in flight already (null then). Its event stream and its <see cref="McpCallCancellation"/> are added to the request.
    /// </summary>
    public static McpCallLifetime? TryStart(HttpContext context, McpSessions sessions, McpCallStreams streams, McpEndpointOptions options,
        McpCallOwner owner, string id, string? sessionId)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(owner);
        if (!sessions.TryStartCall(owner.Tenant, owner.RegisteredAgent, options.MaxPendingCallsPerAgent))
        {
            return null;
        }

        var feature = context.GatewayRequest();
        feature.Add(streams.Open(owner.Tenant, owner.Agent, context.RequestAborted));
        var cancellation = new McpCallCancellation();
        feature.Add(cancellation);
        return new McpCallLifetime(context, sessions, owner, id, sessionId, options.IdleTimeout, cancellation);
    }

    /// <summary>
    /// Whether the request is a call whose lifetime ended before it was answered (its <see cref="HttpContext.RequestAborted"/>
    /// cancelled: the idle timeout, or a cancel, a kill switch or a revocation, which also cut its connection) while its
    /// client is still connected. When so, the request's cancellation is its client's again from here on, so that Respond
    /// answers it (with the refusal recorded as its outcome) rather than leave it to the host; false for any other request.
    /// </summary>
    public static bool EndedWithClientConnected(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.RequestAborted.IsCancellationRequested
            && context.Items.TryGetValue(ItemKey, out var held) && held is McpCallLifetime call
            && call._lifetime.IsCancellationRequested && !call._clientGone.IsCancellationRequested)
        {
            context.RequestAborted = call._clientGone;
            return true;
        }

        return false;
    }

    /// <summary>The call ended: its lifetime, its tracking and its place among the calls in flight are given back.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        // Waits for an abort under way: once undone, nothing aborts the request (or the next one on its HttpContext).
        _aborting.Dispose();
        _context.RequestAborted = _clientGone;
        if (_cancellable)
        {
            _sessions.UntrackCall(_owner, _id, _context, _lifetime);
        }

        if (_sessionId is not null)
        {
            _sessions.SessionCallEnded(_sessionId);
        }

        _sessions.EndCall(_tenant, _registeredAgent);
        _lifetime.Dispose();
        _abort.Dispose();
    }
}

/// <summary>How a call ends early: its request aborted (<paramref name="Abort"/>, first), its lifetime cancelled, and why, for its server.</summary>
internal sealed record McpCallEnding(CancellationTokenSource Abort, CancellationTokenSource Lifetime, McpCallCancellation Cancellation);

/// <summary>Whose call it is: the agent's tenant, the agent, and the registered agent its calls count against (a delegated child's are its agent's).</summary>
internal sealed record McpCallOwner(string Tenant, string Agent, string RegisteredAgent)
{
    /// <summary>The person the call acts for, when one: a cancel reaches only that person's call.</summary>
    public ActingPerson? Person { get; init; }

    /// <summary>For a delegated child, the children from its agent down to it (itself last): revoking any of them ends the call.</summary>
    public IReadOnlyList<string> Delegates { get; init; } = [];

    /// <summary>Whose kill switches stop the call (a switch thrown through this replica ends it when they do); null: the agent's alone.</summary>
    public Oversight.Agents.KillSwitchCaller? Switches { get; init; }
}
