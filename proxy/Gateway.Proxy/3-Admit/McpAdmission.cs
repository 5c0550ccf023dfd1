using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Admit's limits on <c>/mcp</c> (route kind <see cref="McpEndpoint.RouteKind"/>): a governed call takes a place among its
/// registered agent's calls in flight (<see cref="McpEndpointOptions.MaxPendingCallsPerAgent"/>; one too many is 429
/// <c>mcp_pending_limit</c>) and starts its lifetime (<see cref="McpCallLifetime"/>, held until it is answered); an
/// <c>initialize</c> of an agent at its session limit makes room: its least recently used session with no call in flight
/// here gives way (ended on every replica, its subscriptions with it), and only when every one has a call in flight is the
/// new one refused (429 <c>mcp_session_limit</c>). Sessions and calls are counted per registered agent: a delegated child's
/// and grandchild's are their agent's.
/// </summary>
internal sealed class McpAdmission : IRouteAdmission
{
    private const string SessionHeader = "Mcp-Session-Id";

    private readonly McpSessions _sessions;
    private readonly McpCallStreams _streams;
    private readonly McpResourceSubscriptions _subscriptions;
    private readonly McpServerSessionCloser _closer;
    private readonly McpEndpointOptions _options;

    public McpAdmission(McpSessions sessions, McpCallStreams streams, McpResourceSubscriptions subscriptions, McpServerSessionCloser closer, IOptions<McpEndpointOptions> options)
    {
        _sessions = sessions;
        _streams = streams;
        _subscriptions = subscriptions;
        _closer = closer;
        _options = options.Value;
    }

    public ValueTask<Refusal?> AdmitAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(identity);
        if (feature.Find<DescribedAction>() is not null)
        {
            return ValueTask.FromResult(StartCall(context, feature, identity));
        }

        return feature.Find<McpMessage>()?.Method == "initialize" ? MakeRoomForSessionAsync(context, identity) : ValueTask.FromResult<Refusal?>(null);
    }

    /// <summary>A governed call: its place among the calls in flight and its lifetime, held until it is answered.</summary>
    private Refusal? StartCall(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity)
    {
        string? sessionId = context.Request.Headers[SessionHeader];
        var owner = new McpCallOwner(identity.Tenant, identity.Agent, identity.RegisteredAgent)
        {
            Person = identity.Person,
            Delegates = identity.ChainLinks is { } chain ? [.. chain.Where(static l => l.Kind == ActorKind.Delegate).Select(static l => l.Id)] : [],
        };
        if (McpCallLifetime.TryStart(context, _sessions, _streams, _options, owner, feature.Get<McpMessage>().Id!, string.IsNullOrEmpty(sessionId) ? null : sessionId) is not { } call)
        {
            return new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.McpPendingLimit,
                $"This agent has {_options.MaxPendingCallsPerAgent} calls in flight on /mcp already; wait for one to end.") { RetryAfter = TimeSpan.FromSeconds(1) };
        }

        feature.HoldUntilAnswered(call);
        return null;
    }

    /// <summary>An <c>initialize</c>: room for one more session of the registered agent, an idle one giving way when it is at its limit.</summary>
    private async ValueTask<Refusal?> MakeRoomForSessionAsync(HttpContext context, AgentIdentity identity)
    {
        try
        {
            while (_sessions.CountFor(identity.Tenant, identity.RegisteredAgent) >= _options.MaxSessionsPerAgent)
            {
                if (await _sessions.TryEvictAsync(identity.Tenant, identity.RegisteredAgent, context.RequestAborted).ConfigureAwait(false) is not { } evicted)
                {
                    return new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.McpSessionLimit,
                        $"This agent holds {_options.MaxSessionsPerAgent} MCP sessions, each with a call in flight; wait for one to end, or end one (DELETE /mcp).")
                    { RetryAfter = TimeSpan.FromSeconds(1) };
                }

                await _subscriptions.EndedAsync(evicted).ConfigureAwait(false);
                await _closer.CloseAsync(context, evicted).ConfigureAwait(false);
            }
        }
        catch (StateStoreUnavailableException)
        {
            return Refusal.StoreUnavailable();
        }

        return null;
    }
}
