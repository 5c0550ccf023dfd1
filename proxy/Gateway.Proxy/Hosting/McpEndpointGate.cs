using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Oversight;
using Gateway.Store;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Stands before the MCP server's endpoint on <c>/mcp</c>, after authentication, and keeps only what no stage can do: which
/// endpoint serves the message, the session, and a call's lifetime. The message is described once
/// (<see cref="McpMessageReader"/>: one parse, the <see cref="McpMessage"/> every later reader reads). A <c>tools/call</c>, a
/// <c>prompts/get</c> and a <c>resources/read</c> are governed actions: each is handed to the route that walks the stages
/// (describe, admit, decide, record, enforce, forward, respond), exactly like an invoke-tool. Every other message is
/// admitted by 3 (<see cref="AgentRouteAdmission.AdmitMcpMessageAsync"/>: its nonce stored, the agent's kill switches
/// read, the rate limits counted: one store call) and then served by the MCP server itself; a
/// <c>notifications/cancelled</c> also aborts the agent's call it names, when that call runs here, and the client's answer
/// to a request an MCP server sent it mid-call is sent to that server (<see cref="McpAnswerRelay"/>). A message whose
/// mirrored headers (<c>Mcp-Method</c>, <c>Mcp-Name</c>) disagree with its body is refused (<see cref="McpMirroredHeaders"/>), and
/// so is one naming a protocol version the gateway does not implement (<see cref="McpProtocolVersionCheck"/>). Batches are refused
/// (the MCP specification removed them), as is a session of another agent or one no longer live (HTTP 404), and one call
/// in flight too many; an agent at its session limit gives up its least recently used idle session for a new one (sessions
/// and calls are counted per registered agent: a delegated child's and grandchild's are their agent's). Every refusal is
/// recorded and written by 8 (<see cref="AgentRouteResponder.RefuseMcpAsync"/>).
/// </summary>
internal sealed class McpEndpointGate
{
    private const string SessionHeader = "Mcp-Session-Id";
    private const string LastEventIdHeader = "Last-Event-ID";

    private static readonly Refusal CallEndedUnanswered = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        "The call ended without an answer: it was cancelled, ran out of time, or its server failed mid-call.");

    private static readonly Refusal StreamUnknown = new(StatusCodes.Status404NotFound, ProblemCodes.McpStreamUnknown,
        "This agent has no call stream with that event: it expired, or it is not this agent's.")
    {
        AuditTool = McpEndpoint.AuditTool,
    };

    private readonly RequestDelegate _next;
    private readonly AgentRouteAdmission _admission;
    private readonly AgentRouteResponder _respond;
    private readonly PolicyProvider _policy;
    private readonly McpSessions _sessions;
    private readonly McpEndpointOptions _options;
    private readonly McpAnswerRelay _answers;
    private readonly McpResourceSubscriptions _subscriptions;
    private readonly McpCallStreams _streams;
    private readonly McpOrigins _origins;
    private readonly McpServerSessionCloser _closer;

    /// <summary>YARP's endpoint of the governed-call route.</summary>
    private readonly CachedEndpoint _callEndpoint;

    public McpEndpointGate(RequestDelegate next, EndpointDataSource endpoints, AgentRouteAdmission admission, AgentRouteResponder respond, PolicyProvider policy,
        McpSessions sessions, IOptions<McpEndpointOptions> options, McpAnswerRelay answers, McpResourceSubscriptions subscriptions, McpCallStreams streams,
        McpOrigins origins, McpServerSessionCloser closer)
    {
        _origins = origins;
        _closer = closer;
        _streams = streams;
        _subscriptions = subscriptions;
        _answers = answers;
        _next = next;
        _callEndpoint = new CachedEndpoint(endpoints, static endpoint => endpoint.Metadata.GetMetadata<RouteModel>()?.Config.RouteId == McpEndpoint.CallRouteId);
        _admission = admission;
        _respond = respond;
        _policy = policy;
        _sessions = sessions;
        _options = options.Value;
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<McpServerEndpointMetadata>() is null)
        {
            return _next(context);
        }

        if (_origins.Check(context.Request, McpEndpoint.AuditTool) is { } originRefused)
        {
            // An Origin that is not allowed (DNS rebinding): 403, recorded under the agent when it is known.
            return _respond.RefuseMcpAsync(context, originRefused);
        }

        var feature = context.GatewayRequest();
        if (feature.Find<AuthenticatedRequest>() is not { } authenticated)
        {
            // Not authenticated (authorization answers that).
            return _next(context);
        }

        return GateAsync(context, feature, authenticated.Identity, authenticated.Body);
    }

    private async Task GateAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, ReadOnlyMemory<byte> body)
    {
        if (await WalkAsync(context, feature, identity, body).ConfigureAwait(false) is { } refusal)
        {
            await _respond.RefuseMcpAsync(context, refusal).ConfigureAwait(false);
        }
    }

    /// <summary>The message's way through: null once it was served (by the walk or the MCP server), else its refusal.</summary>
    private async Task<Refusal?> WalkAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, ReadOnlyMemory<byte> body)
    {
        feature.Dialect = RefusalDialect.JsonRpc;
        var (message, malformed) = McpMessageReader.Read(context.Request, body);
        if (message is null)
        {
            return malformed;
        }

        feature.Add(message);

        // A client's answer to a server's request is no call: a refusal of it is said in HTTP.
        feature.JsonRpcId = message.AnsweredId;
        if (message.Info is { } info && McpMirroredHeaders.Check(context.Request.Headers, info, body.Span, McpEndpoint.AuditTool) is { } mismatch)
        {
            // The rule of the per-server route: the headers the transport mirrors from the body must agree with it.
            return mismatch;
        }

        if (McpProtocolVersionCheck.Check(context.Request.Headers, message.Body) is { } unsupported)
        {
            return unsupported;
        }

        string? sessionId = context.Request.Headers[SessionHeader];
        if (!string.IsNullOrEmpty(sessionId) && await SessionRefusalAsync(context, feature, identity, sessionId).ConfigureAwait(false) is { } notLive)
        {
            return notLive;
        }

        if (message.IsGovernedCall && _callEndpoint.Find() is { } callEndpoint)
        {
            return await CallAsync(context, identity, message, sessionId, callEndpoint).ConfigureAwait(false);
        }

        if (await _admission.AdmitMcpMessageAsync(context, identity).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (message.Method == "initialize" && await MakeRoomForSessionAsync(context, identity).ConfigureAwait(false) is { } full)
        {
            return full;
        }

        if (HttpMethods.IsGet(context.Request.Method) && McpCallStream.TryParseEventId(context.Request.Headers[LastEventIdHeader], out var resumed, out var after))
        {
            // The agent resumes the event stream of one of its calls, after the last event it saw (on any replica).
            return await _streams.ResumeAsync(context, identity.Tenant, identity.Agent, resumed, after).ConfigureAwait(false) ? null : StreamUnknown;
        }

        if (message is { Method: null, Id: { } answered } && McpServerRequests.IsRelayId(answered))
        {
            return await _answers.RelayAsync(Tenant(identity), identity.Tenant, identity.Agent, answered, message.Body, context.RequestAborted).ConfigureAwait(false) is { } notTaken
                ? notTaken
                : await AcceptedAsync(context).ConfigureAwait(false);
        }

        if (message.CancelledRequestId is { } cancelled)
        {
            // Passed on to the MCP server too, which ignores a request it does not know.
            _sessions.Cancel(identity.Tenant, identity.Agent, cancelled);
        }

        if (HttpMethods.IsDelete(context.Request.Method) && !string.IsNullOrEmpty(sessionId))
        {
            await _sessions.EndAsync(identity.Tenant, sessionId, context.RequestAborted).ConfigureAwait(false);
            await _subscriptions.EndedAsync(sessionId).ConfigureAwait(false);
        }

        using (McpServedRequest.Serve(feature))
        {
            await _next(context).ConfigureAwait(false);
        }

        if (message.Method == "initialize" && context.Response.Headers[SessionHeader].ToString() is { Length: > 0 } opened)
        {
            _sessions.Opened(opened, identity.Tenant, identity.Agent, identity.Delegation?.Record.Chain);
        }

        return null;
    }

    /// <summary>The server took the client's answer: 202, no body (answered by 8).</summary>
    private async Task<Refusal?> AcceptedAsync(HttpContext context)
    {
        await Results.StatusCode(StatusCodes.Status202Accepted).ExecuteAsync(context).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// A governed call: the walk decides, records and forwards it, and answers in JSON-RPC. The call outlives its client's
    /// connection (the agent resumes its event stream on reconnecting) until it ends, is cancelled or runs out of the
    /// session idle timeout; a delegated child's calls count against its registered agent's: delegating adds no calls in flight.
    /// </summary>
    private async Task<Refusal?> CallAsync(HttpContext context, AgentIdentity identity, McpMessage message, string? sessionId, Endpoint callEndpoint)
    {
        if (!_sessions.TryStartCall(identity.Tenant, identity.RegisteredAgent, _options.MaxPendingCallsPerAgent))
        {
            return new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.McpPendingLimit,
                $"This agent has {_options.MaxPendingCallsPerAgent} calls in flight on /mcp already; wait for one to end.") { RetryAfter = TimeSpan.FromSeconds(1) };
        }

        var clientGone = context.RequestAborted;
        using var lifetime = new CancellationTokenSource(_options.IdleTimeout);
        context.RequestAborted = lifetime.Token;
        var stream = _streams.Open(identity.Tenant, identity.Agent, clientGone);
        context.GatewayRequest().Add(stream);
        var cancellable = _sessions.TrackCall(identity.Tenant, identity.Agent, message.Id!, context, lifetime);
        if (!string.IsNullOrEmpty(sessionId))
        {
            _sessions.SessionCallStarted(sessionId);
        }

        try
        {
            context.SetEndpoint(callEndpoint);
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            if (stream.Unanswered)
            {
                // The stream began and the call ended without its answer: the stream ends with one, for a client that resumes it.
                await _respond.RefuseMcpAsync(context, CallEndedUnanswered).ConfigureAwait(false);
            }

            context.RequestAborted = clientGone;
            if (cancellable)
            {
                _sessions.UntrackCall(identity.Tenant, identity.Agent, message.Id!, context, lifetime);
            }

            if (!string.IsNullOrEmpty(sessionId))
            {
                _sessions.SessionCallEnded(sessionId);
            }

            _sessions.EndCall(identity.Tenant, identity.RegisteredAgent);
        }

        return null;
    }

    /// <summary>
    /// Null when the request's session is a live one of this agent (its record in the state store: not ended, given way or
    /// expired on any replica). When not, the refusal is what the MCP specification says of an unknown session, HTTP 404,
    /// so that the client initializes a new one.
    /// </summary>
    private async Task<Refusal?> SessionRefusalAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, string sessionId)
    {
        try
        {
            if (!_sessions.BelongsToAnother(sessionId, identity.Tenant, identity.Agent)
                && await _sessions.IsLiveAsync(sessionId, identity.Tenant, identity.Agent, identity.Delegation?.Record.Chain, context.RequestAborted).ConfigureAwait(false))
            {
                return null;
            }
        }
        catch (StateStoreUnavailableException)
        {
            return Refusal.StoreUnavailable();
        }

        // Said in HTTP, not as a JSON-RPC error: a client re-initializes on a 404 for its session.
        feature.JsonRpcId = null;
        return new Refusal(StatusCodes.Status404NotFound, ProblemCodes.NotFound,
            "No such MCP session for this agent: it ended, gave way to a newer one, or expired; initialize a new one.");
    }

    /// <summary>
    /// An <c>initialize</c> of an agent at its session limit: its least recently used session with no call in flight here
    /// gives way (ended on every replica, its subscriptions with it). Only when every one has a call in flight is the new
    /// one refused (<c>mcp_session_limit</c>).
    /// </summary>
    private async Task<Refusal?> MakeRoomForSessionAsync(HttpContext context, AgentIdentity identity)
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

    private Gateway.Policy.TenantPolicy? Tenant(AgentIdentity identity) =>
        _policy.Current?.Set is { } set && set.TryGetTenant(identity.Tenant, out var tenant) ? tenant : null;
}
