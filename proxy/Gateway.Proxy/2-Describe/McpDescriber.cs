using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe for <c>/mcp</c> (route kind <see cref="McpEndpoint.RouteKind"/>): the message is read once
/// (<see cref="McpMessageReader"/>: one parse, the <see cref="McpMessage"/> every later reader reads; a batch is refused, the
/// MCP specification removed them). An <c>Origin</c> that is not allowed is refused (<see cref="McpOrigins"/>), as is a message
/// whose mirrored headers disagree with its body (<see cref="McpMirroredHeaders"/>), one naming a protocol version the
/// gateway does not implement (<see cref="McpProtocolVersionCheck"/>) and a session of another agent or one no longer live
/// (HTTP 404, so that the client initializes a new one). A <c>tools/call</c>, a <c>prompts/get</c>, a <c>resources/read</c>, a
/// <c>resources/subscribe</c> and a <c>completion/complete</c> are governed calls, described as the action policy decides
/// (<see cref="McpCallReader"/>) and forwarded to their server, what is done with a subscription's or a completion's answer
/// said with it (<see cref="McpServerCallAnswers"/>);
/// every other message is one the gateway serves itself (a <see cref="LocalAction"/>, its state a <see cref="McpServedMessage"/>).
/// A client's answer to a server's request, relayed to that server as written, is first scanned for secret material
/// (<see cref="SecretMaterialInPayload"/>, as the server's own route scans it).
/// </summary>
internal sealed class McpDescriber : IRouteDescriber
{
    private const string SessionHeader = "Mcp-Session-Id";
    private const string LastEventIdHeader = "Last-Event-ID";

    /// <summary>The decision an <c>initialize</c> that makes an idle session of its agent give way is recorded with (tool <c>mcp</c>).</summary>
    private const string SessionGaveWay = "mcp_session_gave_way";

    private readonly PolicyProvider _policy;
    private readonly McpOrigins _origins;
    private readonly McpSessions _sessions;
    private readonly McpServerCallAnswers _answers;
    private readonly McpResourceSubscriptions _subscriptions;

    public McpDescriber(PolicyProvider policy, McpOrigins origins, McpSessions sessions, McpServerCallAnswers answers, McpResourceSubscriptions subscriptions)
    {
        _policy = policy;
        _origins = origins;
        _sessions = sessions;
        _answers = answers;
        _subscriptions = subscriptions;
    }

    public async ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(authenticated);
        feature.Dialect = RefusalDialect.JsonRpc;
        if (_origins.Check(context.Request, McpEndpoint.AuditTool) is { } originRefused)
        {
            // An Origin that is not allowed (DNS rebinding): an HTTP 403 whose body is a JSON-RPC error without id.
            feature.JsonRpcId = "null";
            return (null, originRefused);
        }

        var body = authenticated.Body;
        var (message, malformed) = McpMessageReader.Read(context.Request, body);
        if (message is null)
        {
            // A body that is no one message is answered in JSON-RPC all the same: under its id where one can be read, else null.
            feature.JsonRpcId = McpMessageReader.IdOf(body);
            return (null, malformed);
        }

        feature.Add(message);

        // A client's answer to a server's request is no call: a refusal of it is said in HTTP.
        feature.JsonRpcId = message.AnsweredId;
        if (message.Info is { } info && McpMirroredHeaders.Check(context.Request.Headers, info, body.Span, McpEndpoint.AuditTool) is { } mismatch)
        {
            // The rule of the per-server route: the headers the transport mirrors from the body must agree with it.
            return (null, mismatch);
        }

        if (McpProtocolVersionCheck.Check(context.Request.Headers, message.Body) is { } unsupported)
        {
            return (null, unsupported);
        }

        var identity = authenticated.Identity;
        string? sessionId = context.Request.Headers[SessionHeader];
        if (!string.IsNullOrEmpty(sessionId) && await SessionRefusalAsync(context, feature, identity, sessionId).ConfigureAwait(false) is { } notLive)
        {
            return (null, notLive);
        }

        var tenant = _policy.TenantOf(identity);
        if (AnswersAServer(message) && tenant is not null && SecretMaterialInPayload.RefusalOf(body, AsScanned(tenant, message)) is { } carriesSecrets)
        {
            // The answer reaches its server as the client wrote it: scanned as the server's own route scans it, refused and
            // recorded, nothing relayed. Without the tenant's policy no answer is relayed at all (McpAnswerRelay).
            return (null, carriesSecrets);
        }

        if (!message.IsGovernedCall || (message.Method == "resources/subscribe" && string.IsNullOrEmpty(sessionId)))
        {
            // A subscribe without a session has no stream to hear updates on: the MCP SDK answers it (at the per-request
            // revision, which removed the method, 404 and -32601), with nothing forwarded.
            return ServedLocally(context, feature, identity, tenant, message, sessionId);
        }

        if (tenant is null)
        {
            return (null, Refusal.PolicyUnavailable());
        }

        var read = McpCallReader.Read(tenant, message.Body);
        feature.JsonRpcId = read.Id;
        if (message.Method == "completion/complete" && read.Refusal is { Code: ProblemCodes.UnknownTool })
        {
            // A completion of a prompt or template no server of the agent's serves asks no server: the gateway answers it
            // with no values, as a server with nothing to complete does.
            return ServedLocally(context, feature, identity, tenant, message, sessionId);
        }

        if (read.Request is { } subscribe && message.Method == "resources/subscribe"
            && ReserveSubscription(context, identity, sessionId!, subscribe.Tool, read.Body) is { } full)
        {
            return (null, full);
        }

        return read.Request is { } request
            ? (new DescribedAction(tenant, request)
            {
                Body = read.Body,
                McpServerCall = AnsweredAs(read.ServerCall, tenant, identity, sessionId, request.Tool, read.Body),
                EntryMismatch = read.ServerCall is null ? EntryRequirements.Invocable : null,
                ProgressToken = McpProgressToken.Of(read.Body),
                CallerSpeaksMcp = true,
            }, null)
            : (null, read.Refusal);
    }

    // Served by the gateway itself, admitted under the tool "mcp" (its rate limits counted); nothing is appended before it
    // is served, and a suspended agent is listed nothing rather than refused. What carries a call on (its answer to its
    // server's request, its stream resumed) is refused a suspended agent as its calls are. An initialize of an agent at its
    // session limit (its sessions and the initializes in progress here) is recorded first: an idle session of its gives way to it.
    private (DescribedAction? Action, Refusal? Refusal) ServedLocally(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, TenantPolicy? tenant, McpMessage message, string? sessionId)
    {
        var makesRoom = false;
        if (message.Method == "initialize")
        {
            // In progress until the request ends: an initialize arriving meanwhile counts it with the agent's sessions.
            context.Response.RegisterForDispose(_sessions.InitializeStarting(identity.Tenant, identity.RegisteredAgent, out makesRoom));
        }

        feature.Add(new LocalAction(McpEndpoint.AuditTool, LocalAdmission.RateLimited)
        {
            Tenant = tenant,
            State = new McpServedMessage(message, string.IsNullOrEmpty(sessionId) ? null : sessionId) { MakesRoom = makesRoom },
            WhenSuspended = CarriesACallOn(context.Request, message) ? Suspended(identity) : null,
            Entry = makesRoom ? LocalEntry.Of(identity, SessionGaveWay, StatusCodes.Status200OK) : null,
        });
        return (null, null);
    }

    /// <summary>
    /// <paramref name="call"/> with what is done with its server's answer once it was decided, recorded and carried out (a
    /// completion's values narrowed, a subscription relayed to <paramref name="sessionId"/>: <see cref="McpServerCallAnswers"/>).
    /// </summary>
    private McpServerCall? AnsweredAs(McpServerCall? call, TenantPolicy tenant, AgentIdentity identity, string? sessionId, string server, JsonElement body) =>
        call is null ? null : call with
        {
            Answered = _answers.For(tenant, new McpCaller(identity.Agent, identity.Workspace, identity.Delegation?.Scope), identity.Caller, identity.KillSwitches, identity.TokenFamily,
                string.IsNullOrEmpty(sessionId) ? null : sessionId, server, call.Method, call.Params,
                body.TryGetProperty("params"u8, out var parameters) ? parameters : default),
        };

    /// <summary>
    /// A subscribe's place among its session's and its registered agent's subscriptions, held until the request ends (the
    /// subscription's own once the server took it: <see cref="McpResourceSubscriptions.TryReserve"/>); null when it has
    /// one, else the refusal (429 <c>mcp_subscription_limit</c>, recorded under the server), before anything is decided or sent.
    /// </summary>
    private Refusal? ReserveSubscription(HttpContext context, AgentIdentity identity, string sessionId, string server, JsonElement body)
    {
        var uri = body.GetProperty("params"u8).GetProperty("uri"u8).GetString()!;
        if (_subscriptions.TryReserve(identity.Tenant, identity.RegisteredAgent, sessionId, uri, out var refused) is { } place)
        {
            context.Response.RegisterForDispose(place);
            return null;
        }

        return new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.McpSubscriptionLimit, refused!) { AuditTool = server };
    }

    /// <summary>A client's answer to a request its call's server sent it, or the resumption of a call's event stream.</summary>
    private static bool CarriesACallOn(HttpRequest request, McpMessage message) =>
        AnswersAServer(message) || (HttpMethods.IsGet(request.Method) && McpCallStream.TryParseEventId(request.Headers[LastEventIdHeader], out _, out _));

    /// <summary>A client's answer to a request an MCP server sent it mid-call (under an id of the gateway's own), relayed to that server.</summary>
    private static bool AnswersAServer(McpMessage message) => message is { Method: null, Id: { } answered } && McpServerRequests.IsRelayId(answered);

    /// <summary>The client's answer as <see cref="SecretMaterialInPayload"/> scans a payload: its body, refused under the tool <c>mcp</c>.</summary>
    private static DescribedAction AsScanned(TenantPolicy tenant, McpMessage answer) =>
        new(tenant, new ActionRequest { Tool = McpEndpoint.AuditTool }) { Body = answer.Body };

    /// <summary>The refusal of a suspended agent's call (403 <c>blocked</c>, as its <c>tools/call</c> is), recorded under the tool <c>mcp</c>.</summary>
    private static LocalRefusal Suspended(AgentIdentity identity)
    {
        var refusal = new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked,
            "The agent, or its tenant, was suspended by an operator (kill switch). Nothing was forwarded.");
        return new LocalRefusal(refusal, LocalEntry.Refusing(identity, refusal));
    }

    /// <summary>
    /// Null when the request's session is a live one of this agent (its record in the state store: not ended, given way or
    /// expired on any replica). When not, the refusal is what the MCP specification says of an unknown session, HTTP 404,
    /// so that the client initializes a new one; another agent's session is recorded under <c>mcp</c>, as a provider route's is
    /// under its server. A store that cannot say is 503 <c>store_unavailable</c>, recorded under <c>mcp</c>.
    /// </summary>
    private async ValueTask<Refusal?> SessionRefusalAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, string sessionId)
    {
        var another = _sessions.BelongsToAnother(sessionId, identity.Tenant, identity.Agent);
        try
        {
            if (!another
                && await _sessions.IsLiveAsync(sessionId, identity.Tenant, identity.Agent, identity.Delegation?.Record.Chain, context.RequestAborted).ConfigureAwait(false))
            {
                return null;
            }
        }
        catch (StateStoreUnavailableException)
        {
            // Recorded under the tool the messages served here are admitted as (StoreOutageRecordTests' promise).
            return Refusal.StoreUnavailable() with { AuditTool = McpEndpoint.AuditTool };
        }

        // Said in HTTP, not as a JSON-RPC error: a client re-initializes on a 404 for its session.
        feature.JsonRpcId = null;
        return another ? Refusal.UnknownMcpSession() with { AuditTool = McpEndpoint.AuditTool } : Refusal.UnknownMcpSession();
    }
}
