using System.Collections.Concurrent;
using Gateway.Oversight.Agents;
using Gateway.Policy;
using Gateway.Store;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The tool calls in flight on this replica, by whose they are: the tenant, the agent, the MCP session the call came on (none
/// for a client of a revision without sessions), the person the agent acts for, and the call's raw JSON-RPC id. Several
/// people's clients may share one agent and number their ids alike, so a <c>notifications/cancelled</c> reaches only a call
/// of its own session and person; and a kill switch thrown, or a delegation revoked, through this replica's admin API ends
/// its agent's (or the revoked children's) calls here at once, and through another replica at the next recheck
/// (<c>McpSessions.Recheck.cs</c>).
/// </summary>
internal sealed partial class McpSessions
{
    private const string SessionHeader = "Mcp-Session-Id";

    private readonly ConcurrentDictionary<CallKey, InFlightCall> _inFlight = new();

    /// <summary>
    /// Remembers how the agent's call <paramref name="id"/> (raw JSON-RPC id) ends, so that the agent can cancel it from the
    /// same session, as the same person: the call outlives its client's connection, and only this, a kill switch, or its
    /// time running out, ends it early. The session and the person are the call's request's (<paramref name="call"/>, read
    /// here and never kept); whatever ends it says why in <paramref name="ending"/>, for its server.
    /// </summary>
    public bool TrackCall(McpCallOwner owner, string id, HttpContext call, McpCallEnding ending)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(ending);
        var tracked = _inFlight.TryAdd(KeyOf(owner, call, id), new InFlightCall(ending, owner.RegisteredAgent, owner.Delegates, owner.Switches ?? new KillSwitchCaller(owner.Tenant, owner.Agent, null)));
        RecheckWhileInFlight();
        return tracked;
    }

    /// <summary>Forgets a call <see cref="TrackCall"/> remembered.</summary>
    public void UntrackCall(McpCallOwner owner, string id, HttpContext call, CancellationTokenSource lifetime)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(call);
        var key = KeyOf(owner, call, id);
        if (_inFlight.TryGetValue(key, out var tracked) && ReferenceEquals(tracked.Ending.Lifetime, lifetime))
        {
            _inFlight.TryRemove(new KeyValuePair<CallKey, InFlightCall>(key, tracked));
        }
    }

    /// <summary>
    /// The agent's <c>notifications/cancelled</c> (<paramref name="identity"/>'s, on the session <paramref name="sessionId"/>,
    /// null for none): its call <paramref name="id"/> of that session and person still in flight on this replica is cancelled
    /// (the forwarder cancels the request to the server and tells the server so, and the outcome is recorded as such) and
    /// its response aborted (no answer is sent to a cancelled request). False when there is no such call here (it ended,
    /// runs on another replica, or is another session's or person's).
    /// </summary>
    public bool Cancel(AuthenticatedCaller identity, string? sessionId, string id)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return _inFlight.TryRemove(new CallKey(identity.Tenant, identity.Agent, sessionId, identity.Person?.Issuer, identity.Person?.Subject, id), out var inFlight)
            && End(inFlight, McpCallCancellation.ByClient);
    }

    /// <summary>
    /// A kill switch of <paramref name="agent"/> (of the whole tenant when null) changed through this replica: each of its
    /// calls in flight here (its delegated children's too; every call of the tenant for the tenant's switch) whose caller a
    /// switch now stops, read as the Admit stage reads it (<see cref="AgentStatusService.IsStoppedAsync"/>: the agent, a
    /// child's agent or the tenant suspended, a secret revoked, the secret that signed the call or issued the child retired),
    /// ends as a cancelled call does. A switch released ends nothing another switch does not.
    /// </summary>
    private async Task StopCallsAsync(string tenant, string? agent)
    {
        try
        {
            // Each caller's switches read once, however many of its calls are in flight.
            var stopped = new Dictionary<KillSwitchCaller, bool>();
            foreach (var (key, call) in _inFlight)
            {
                if (key.Tenant != tenant || (agent is not null && key.Agent != agent && call.RegisteredAgent != agent))
                {
                    continue;
                }

                if (!stopped.TryGetValue(call.Switches, out var isStopped))
                {
                    isStopped = await _switches.IsStoppedAsync(call.Switches).ConfigureAwait(false);
                    stopped[call.Switches] = isStopped;
                }

                if (isStopped && _inFlight.TryRemove(new KeyValuePair<CallKey, InFlightCall>(key, call)))
                {
                    EndEach(call, McpCallCancellation.ByKillSwitch, tenant);
                }
            }
        }
        catch (StateStoreUnavailableException ex)
        {
            // Every later request of the agent reads its switches; only the calls already running here go on.
            LogStopFailed(_logger, tenant, agent ?? "*", ex.GetType().Name);
        }
    }

    /// <summary>
    /// A delegation revoked through this replica (<paramref name="revoked"/>: a child, or a registered agent that revoked
    /// everything it delegated): the calls in flight here of the revoked children and their subtree end as a cancelled
    /// call does, as a kill switch ends its agent's. A revocation is never taken back, so nothing is read first.
    /// </summary>
    private void StopDelegatedCalls(string tenant, string revoked) =>
        EndCallsWhere((key, call) => key.Tenant == tenant && IsRevokedBy(call.Delegates, call.RegisteredAgent, revoked), McpCallCancellation.ByRevocation);

    // Ends, as a cancelled call ends, each call in flight here that matches (each once, whoever else ends it meanwhile).
    private void EndCallsWhere(Func<CallKey, InFlightCall, bool> matches, string reason)
    {
        foreach (var (key, call) in _inFlight)
        {
            if (matches(key, call) && _inFlight.TryRemove(new KeyValuePair<CallKey, InFlightCall>(key, call)))
            {
                EndEach(call, reason, key.Tenant);
            }
        }
    }

    /// <summary>Whether revoking <paramref name="revoked"/> reaches a delegated child with <paramref name="delegates"/> under <paramref name="registeredAgent"/>: one of its chain, or its registered agent revoking everything it delegated.</summary>
    private static bool IsRevokedBy(IReadOnlyList<string> delegates, string registeredAgent, string revoked) =>
        delegates.Contains(revoked, StringComparer.Ordinal) || (delegates.Count > 0 && registeredAgent == revoked);

    // Ends the call through what its request registered (McpCallLifetime): the request, while it runs, aborts itself; nothing
    // here touches a request that may have ended, or whose HttpContext the host reuses for the next one on its connection.
    private static bool End(InFlightCall inFlight, string reason)
    {
        var ending = inFlight.Ending;
        ending.Cancellation.Because(reason);
        try
        {
            ending.Abort.Cancel();
            ending.Lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended meanwhile.
        }

        return true;
    }

    // One of many calls ended: whatever its ending throws, the others still end.
    private void EndEach(InFlightCall inFlight, string reason, string tenant)
    {
        try
        {
            End(inFlight, reason);
        }
        catch (Exception ex)
        {
            LogEndFailed(_logger, tenant, inFlight.RegisteredAgent, ex.GetType().Name);
        }
    }

    private static CallKey KeyOf(McpCallOwner owner, HttpContext call, string id)
    {
        string? sessionId = call.Request.Headers[SessionHeader];
        return new CallKey(owner.Tenant, owner.Agent, string.IsNullOrEmpty(sessionId) ? null : sessionId, owner.Person?.Issuer, owner.Person?.Subject, id);
    }

    [LoggerMessage(EventId = 4324, Level = LogLevel.Warning, Message = "The kill switches of {Tenant}/{Agent} could not be read to end its MCP calls in flight ({Error}); they run on until they end")]
    private static partial void LogStopFailed(ILogger logger, string tenant, string agent, string error);

    [LoggerMessage(EventId = 4325, Level = LogLevel.Warning, Message = "An MCP call in flight of {Tenant}/{Agent} could not be ended ({Error}); the others were")]
    private static partial void LogEndFailed(ILogger logger, string tenant, string agent, string error);

    /// <summary>Whose call it is: tenant, agent, session (null: none), the person's issuer and subject (null: none), and the raw JSON-RPC id.</summary>
    private readonly record struct CallKey(string Tenant, string Agent, string? Session, string? PersonIssuer, string? PersonSubject, string Id);

    /// <summary>A call in flight: how it ends (never its request, which may have ended), the registered agent it acts under, a delegated child's chain of children, and whose kill switches stop it.</summary>
    private sealed record InFlightCall(McpCallEnding Ending, string RegisteredAgent, IReadOnlyList<string> Delegates, KillSwitchCaller Switches);
}
