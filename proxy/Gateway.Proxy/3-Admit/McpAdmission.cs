using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Admit's limits on <c>/mcp</c> (route kind <see cref="McpEndpoint.RouteKind"/>): a governed call takes a place among its
/// registered agent's calls in flight (<see cref="McpEndpointOptions.MaxPendingCallsPerAgent"/>; one too many is 429
/// <c>mcp_pending_limit</c>) and starts its lifetime (<see cref="McpCallLifetime"/>, held until it is answered); an
/// <c>initialize</c> of an agent at its session limit is refused (429 <c>mcp_session_limit</c>) only when every one of its
/// sessions here for the same person (or, for no person, for none) has a call in flight. It ends nothing: the session that
/// gives way to the new one (that person's least recently used with no call in flight) is ended by the destination, after Record appended the entry that says so
/// (<c>7-Forward/McpServerDestination.cs</c>). Sessions and calls are counted per registered agent: a delegated child's
/// and grandchild's are their agent's. A request on a session of the agent opened for another person (or for none, or for
/// one when the request names none) is answered as an unknown session is (HTTP 404, as Describe answers one).
/// </summary>
internal sealed class McpAdmission : IRouteAdmission
{
    private const string SessionHeader = "Mcp-Session-Id";

    private readonly McpSessions _sessions;
    private readonly McpCallStreams _streams;
    private readonly McpEndpointOptions _options;

    public McpAdmission(McpSessions sessions, McpCallStreams streams, IOptions<McpEndpointOptions> options)
    {
        _sessions = sessions;
        _streams = streams;
        _options = options.Value;
    }

    public ValueTask<Refusal?> AdmitAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(identity);
        string? sessionId = context.Request.Headers[SessionHeader];
        if (!string.IsNullOrEmpty(sessionId) && _sessions.BelongsToAnotherPerson(sessionId, identity.Person))
        {
            // Said in HTTP, not as a JSON-RPC error, as Describe says it: a client re-initializes on a 404 for its session.
            feature.JsonRpcId = null;
            return ValueTask.FromResult<Refusal?>(Refusal.UnknownMcpSession());
        }

        if (feature.Find<DescribedAction>() is not null)
        {
            return ValueTask.FromResult(StartCall(context, feature, identity));
        }

        return ValueTask.FromResult(feature.Find<McpMessage>()?.Method == "initialize" ? RoomForSession(identity) : null);
    }

    /// <summary>A governed call: its place among the calls in flight and its lifetime, held until it is answered.</summary>
    private Refusal? StartCall(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity)
    {
        string? sessionId = context.Request.Headers[SessionHeader];
        var owner = new McpCallOwner(identity.Tenant, identity.Agent, identity.RegisteredAgent)
        {
            Person = identity.Person,
            Delegates = identity.ChainLinks is { } chain ? [.. chain.Where(static l => l.Kind == ActorKind.Delegate).Select(static l => l.Id)] : [],
            Switches = identity.KillSwitches,
        };
        if (McpCallLifetime.TryStart(context, _sessions, _streams, _options, owner, feature.Get<McpMessage>().Id!, string.IsNullOrEmpty(sessionId) ? null : sessionId) is not { } call)
        {
            return new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.McpPendingLimit,
                $"This agent has {_options.MaxPendingCallsPerAgent} calls in flight on /mcp already; wait for one to end.") { RetryAfter = TimeSpan.FromSeconds(1) };
        }

        feature.HoldUntilAnswered(call);
        return null;
    }

    /// <summary>An <c>initialize</c>: refused when the registered agent is at its session limit and none of its sessions for the same person could give way.</summary>
    private Refusal? RoomForSession(AgentIdentity identity) =>
        _sessions.AtSessionLimit(identity.Tenant, identity.RegisteredAgent) && !_sessions.HasIdleSession(identity.Tenant, identity.RegisteredAgent, identity.Person)
            ? McpSessionLimit.Reached(_sessions.MaxSessionsPerAgent)
            : null;
}
