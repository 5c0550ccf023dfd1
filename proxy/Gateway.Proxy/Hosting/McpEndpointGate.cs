using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Oversight.Http;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Store;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Stands before the MCP server's endpoint on <c>/mcp</c>, after authentication. A <c>tools/call</c>, a <c>prompts/get</c>
/// and a <c>resources/read</c> are governed actions: each is handed to the route that walks the stages (describe, admit, decide, record, enforce, forward,
/// respond), exactly like an invoke-tool. Every other message is admitted here (its nonce stored, the agent's kill
/// switches read, the rate limits counted: one store call) and then served by the MCP server itself; a
/// <c>notifications/cancelled</c> also aborts the agent's call it names, when that call runs here, and the client's answer
/// to a request an MCP server sent it mid-call is sent to that server (<see cref="McpServerRequests"/>). Batches are refused
/// (the MCP specification removed them), as is a session of another agent or one no longer live (HTTP 404), and one call
/// in flight too many; an agent at its session limit gives up its least recently used idle session for a new one (sessions
/// and calls are counted per registered agent: a delegated child's and grandchild's are their agent's).
/// </summary>
internal sealed class McpEndpointGate
{
    private const string SessionHeader = "Mcp-Session-Id";
    private const string LastEventIdHeader = "Last-Event-ID";

    private static readonly Refusal CallEndedUnanswered = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        "The call ended without an answer: it was cancelled, ran out of time, or its server failed mid-call.");

    private readonly RequestDelegate _next;
    private readonly AdmissionGate _admission;
    private readonly PolicyProvider _policy;
    private readonly McpSessions _sessions;
    private readonly AuditRecorder _audit;
    private readonly McpEndpointOptions _options;
    private readonly McpServerRequests _requests;
    private readonly McpServerToolLists _servers;
    private readonly McpResourceSubscriptions _subscriptions;
    private readonly McpCallStreams _streams;
    private readonly McpOrigins _origins;
    private readonly McpServerSessionCloser _closer;

    /// <summary>YARP's endpoint of the governed-call route.</summary>
    private readonly CachedEndpoint _callEndpoint;

    public McpEndpointGate(RequestDelegate next, EndpointDataSource endpoints, AdmissionGate admission, PolicyProvider policy, McpSessions sessions,
        AuditRecorder audit, IOptions<McpEndpointOptions> options, McpServerRequests requests, McpServerToolLists servers,
        McpResourceSubscriptions subscriptions, McpCallStreams streams, McpOrigins origins, McpServerSessionCloser closer)
    {
        _origins = origins;
        _closer = closer;
        _streams = streams;
        _subscriptions = subscriptions;
        _requests = requests;
        _servers = servers;
        _next = next;
        _callEndpoint = new CachedEndpoint(endpoints, static endpoint => endpoint.Metadata.GetMetadata<RouteModel>()?.Config.RouteId == McpEndpoint.CallRouteId);
        _admission = admission;
        _policy = policy;
        _sessions = sessions;
        _audit = audit;
        _options = options.Value;
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<McpServerEndpointMetadata>() is null)
        {
            return _next(context);
        }

        var authenticated = context.Features.Get<GatewayRequestFeature>()?.Find<AuthenticatedRequest>();
        if (_origins.Check(context.Request, McpEndpoint.AuditTool) is { } originRefused)
        {
            return RefuseOriginAsync(context, authenticated?.Identity, originRefused);
        }

        if (authenticated is null)
        {
            // Not authenticated (authorization answers that).
            return _next(context);
        }

        return GateAsync(context, context.GatewayRequest(), authenticated.Identity, authenticated.Body);
    }

    /// <summary>An <c>Origin</c> that is not allowed (DNS rebinding): 403, recorded under the agent when it is known.</summary>
    private async Task RefuseOriginAsync(HttpContext context, AgentIdentity? identity, Refusal refusal)
    {
        if (identity is not null)
        {
            await _audit.RecordRefusalAsync(context, identity, refusal.AuditTool!, refusal.Code, refusal.Status).ConfigureAwait(false);
        }

        await RefusalResponse.WriteJsonRpcStatusAsync(context, refusal).ConfigureAwait(false);
    }

    private async Task GateAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, ReadOnlyMemory<byte> body)
    {
        feature.Dialect = RefusalDialect.JsonRpc;
        JsonRpcMessageInfo? message = null;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            if (!McpRequestParser.TryParse(body.Span, out var parsed, out var error))
            {
                await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "The body is not a JSON-RPC message: " + error)).ConfigureAwait(false);
                return;
            }

            if (parsed.IsBatch)
            {
                await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                    "JSON-RPC batches are not accepted on /mcp (the MCP specification removed them); send one message per request.")).ConfigureAwait(false);
                return;
            }

            message = parsed.Messages[0];

            // A client's answer to a server's request is no call: a refusal of it is said in HTTP.
            feature.JsonRpcId = message.Method is null ? null : message.Id;
        }

        string? sessionId = context.Request.Headers[SessionHeader];
        if (!string.IsNullOrEmpty(sessionId) && !await IsLiveSessionAsync(context, feature, identity, sessionId).ConfigureAwait(false))
        {
            return;
        }

        if (message?.Method is "tools/call" or "prompts/get" or "resources/read" && message.Id is not null && _callEndpoint.Find() is { } callEndpoint)
        {
            // A delegated child's calls count against its registered agent's: delegating adds no calls in flight.
            if (!_sessions.TryStartCall(identity.Tenant, identity.RegisteredAgent, _options.MaxPendingCallsPerAgent))
            {
                await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.McpPendingLimit,
                    $"This agent has {_options.MaxPendingCallsPerAgent} calls in flight on /mcp already; wait for one to end.") { RetryAfter = TimeSpan.FromSeconds(1) }).ConfigureAwait(false);
                return;
            }

            // A governed action: the walk decides, records and forwards it, and answers in JSON-RPC. The call outlives its
            // client's connection (the agent resumes its event stream on reconnecting) until it ends, is cancelled or
            // runs out of the session idle timeout.
            var clientGone = context.RequestAborted;
            using var lifetime = new CancellationTokenSource(_options.IdleTimeout);
            context.RequestAborted = lifetime.Token;
            var stream = _streams.Open(identity.Tenant, identity.Agent, clientGone);
            feature.Add(stream);
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
                    await RefusalResponse.WriteAsync(context, CallEndedUnanswered).ConfigureAwait(false);
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

            return;
        }

        var tenant = _policy.Current?.Set is { } set && set.TryGetTenant(identity.Tenant, out var t) ? t : null;
        var admission = await _admission.AdmitAsync(tenant, identity, McpEndpoint.AuditTool, context.RequestAborted).ConfigureAwait(false);
        if (admission.Verdict != AdmissionVerdict.Admitted)
        {
            var refusal = AdmissionRefusal.For(admission, McpEndpoint.AuditTool);
            await _audit.RecordRefusalAsync(context, identity, McpEndpoint.AuditTool, refusal.Code, refusal.Status).ConfigureAwait(false);
            await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
            return;
        }

        feature.Add(admission);
        if (message?.Method == "initialize" && !await MakeRoomForSessionAsync(context, identity).ConfigureAwait(false))
        {
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method) && McpCallStream.TryParseEventId(context.Request.Headers[LastEventIdHeader], out var resumed, out var after))
        {
            await ResumeAsync(context, identity, resumed, after).ConfigureAwait(false);
            return;
        }

        if (message is { Method: null, Id: { } answered } && McpServerRequests.IsRelayId(answered))
        {
            await AnswerAsync(context, identity, tenant, answered, body).ConfigureAwait(false);
            return;
        }

        if (message?.Method == "notifications/cancelled" && CancelledRequestId(body) is { } cancelled)
        {
            // Passed on to the MCP server too, which ignores a request it does not know.
            _sessions.Cancel(identity.Tenant, identity.Agent, cancelled);
        }

        if (HttpMethods.IsDelete(context.Request.Method) && !string.IsNullOrEmpty(sessionId))
        {
            await _sessions.EndAsync(identity.Tenant, sessionId, context.RequestAborted).ConfigureAwait(false);
            await _subscriptions.EndedAsync(sessionId).ConfigureAwait(false);
        }

        await _next(context).ConfigureAwait(false);
        if (message?.Method == "initialize" && context.Response.Headers[SessionHeader].ToString() is { Length: > 0 } opened)
        {
            _sessions.Opened(opened, identity.Tenant, identity.Agent, identity.Delegation?.Record.Chain);
        }
    }

    /// <summary>
    /// Whether the request's session is a live one of this agent (its record in the state store: not ended, given way or
    /// expired on any replica). When not, the answer is what the MCP specification says of an unknown session, HTTP 404,
    /// so that the client initializes a new one.
    /// </summary>
    private async Task<bool> IsLiveSessionAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, string sessionId)
    {
        bool live;
        try
        {
            live = !_sessions.BelongsToAnother(sessionId, identity.Tenant, identity.Agent)
                && await _sessions.IsLiveAsync(sessionId, identity.Tenant, identity.Agent, identity.Delegation?.Record.Chain, context.RequestAborted).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException)
        {
            await RefusalResponse.WriteAsync(context, Refusal.StoreUnavailable()).ConfigureAwait(false);
            return false;
        }

        if (!live)
        {
            // Said in HTTP, not as a JSON-RPC error: a client re-initializes on a 404 for its session.
            feature.JsonRpcId = null;
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.NotFound,
                "No such MCP session for this agent: it ended, gave way to a newer one, or expired; initialize a new one.")).ConfigureAwait(false);
        }

        return live;
    }

    /// <summary>
    /// An <c>initialize</c> of an agent at its session limit: its least recently used session with no call in flight here
    /// gives way (ended on every replica, its subscriptions with it). Only when every one has a call in flight is the new
    /// one refused (<c>mcp_session_limit</c>).
    /// </summary>
    private async Task<bool> MakeRoomForSessionAsync(HttpContext context, AgentIdentity identity)
    {
        try
        {
            while (_sessions.CountFor(identity.Tenant, identity.RegisteredAgent) >= _options.MaxSessionsPerAgent)
            {
                if (await _sessions.TryEvictAsync(identity.Tenant, identity.RegisteredAgent, context.RequestAborted).ConfigureAwait(false) is not { } evicted)
                {
                    await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.McpSessionLimit,
                        $"This agent holds {_options.MaxSessionsPerAgent} MCP sessions, each with a call in flight; wait for one to end, or end one (DELETE /mcp).")
                    { RetryAfter = TimeSpan.FromSeconds(1) }).ConfigureAwait(false);
                    return false;
                }

                await _subscriptions.EndedAsync(evicted).ConfigureAwait(false);
                await _closer.CloseAsync(context, evicted).ConfigureAwait(false);
            }
        }
        catch (StateStoreUnavailableException)
        {
            await RefusalResponse.WriteAsync(context, Refusal.StoreUnavailable()).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    /// <summary>The agent resumes the event stream of one of its calls, after the last event it saw (on any replica).</summary>
    private async Task ResumeAsync(HttpContext context, AgentIdentity identity, string stream, int after)
    {
        if (!await _streams.ResumeAsync(context, identity.Tenant, identity.Agent, stream, after).ConfigureAwait(false))
        {
            await _audit.RecordRefusalAsync(context, identity, McpEndpoint.AuditTool, ProblemCodes.McpStreamUnknown, StatusCodes.Status404NotFound).ConfigureAwait(false);
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.McpStreamUnknown,
                "This agent has no call stream with that event: it expired, or it is not this agent's.")).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The client's answer to a request an MCP server sent it mid-call (relayed under <paramref name="relayId"/>): sent to
    /// that server on the session that asked, under the server's own id, once; 202 when the server took it.
    /// </summary>
    private async Task AnswerAsync(HttpContext context, AgentIdentity identity, Gateway.Policy.TenantPolicy? tenant, string relayId, ReadOnlyMemory<byte> body)
    {
        var asked = await _requests.TakeAsync(identity.Tenant, identity.Agent, relayId, context.RequestAborted).ConfigureAwait(false);
        if (asked is null || tenant is null || !tenant.TryGetCatalogEntry(asked.Server, out var server) || server is null)
        {
            const string Unknown = "No request of an MCP server awaits this answer from this agent: it was answered already, it expired, or it is not this agent's.";
            await _audit.RecordRefusalAsync(context, identity, McpEndpoint.AuditTool, ProblemCodes.McpAnswerUnknown, StatusCodes.Status404NotFound).ConfigureAwait(false);
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.McpAnswerUnknown, Unknown)).ConfigureAwait(false);
            return;
        }

        int status;
        try
        {
            status = await _servers.AnswerAsync(identity.Tenant, server, new Uri(asked.Upstream), asked.Session, McpServerRequests.WithRawId(body.Span, asked.Id), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or Gateway.Connectors.Credentials.CredentialUnavailableException && !context.RequestAborted.IsCancellationRequested)
        {
            status = StatusCodes.Status502BadGateway;
        }

        if (status is < 200 or > 299)
        {
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
                $"The MCP server '{server.Name}' did not take the answer to its '{asked.Method}' request (it said {status})."))
                .ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    /// <summary>The raw JSON id of the request a <c>notifications/cancelled</c> names (<c>params.requestId</c>).</summary>
    private static string? CancelledRequestId(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("params"u8, out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("requestId"u8, out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? id.GetRawText()
                : null;
    }
}
