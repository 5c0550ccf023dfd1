using Gateway.Oversight;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Routing;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Forward;

/// <summary>
/// The local destination of <c>/mcp</c> (route kind <see cref="McpEndpoint.RouteKind"/>) for the messages the gateway serves
/// itself: the agent resuming the event stream of one of its calls after the last event it saw (<c>GET</c> with
/// <c>Last-Event-ID</c>, on any replica: <see cref="McpCallStreams"/>), the client's answer to a request an MCP server sent
/// it mid-call (sent to that server: <see cref="McpAnswerRelay"/>; 202), and everything else served by the MCP server's own
/// endpoint (the official SDK's, which routing never matches), in process, as the admitted agent
/// (<see cref="McpServedCaller"/>). A <c>notifications/cancelled</c> also cancels the agent's call it names when that call
/// runs here and came on the same session for the same person, a session's <c>DELETE</c> ends it on every replica (its
/// subscriptions with it), and the session an <c>initialize</c> opened is remembered (and stored) under its agent and the
/// person it acts for. An <c>initialize</c> of an agent at its session limit first ends the session that gives way to it (its
/// least recently used for the same person with no call in flight here: on every replica, its subscriptions with it), which Record has just recorded (<see cref="McpServedMessage.MakesRoom"/>);
/// one that finds no room it may make is refused (429 <c>mcp_session_limit</c>, recorded). A suspended agent's
/// answer and stream resumption never come here: Decide refuses them (the describer's <c>WhenSuspended</c>). A listing of
/// prompts, resources or resource templates takes a place among the agent's calls in flight while it is served (one too
/// many is 429 <c>mcp_pending_limit</c>), and a stream resumption a place of its own (<see cref="McpCallStreams.TryHold"/>:
/// the same stream resumed twice at once is 409 <c>mcp_stream_in_use</c>, one too many 429 <c>mcp_pending_limit</c>).
/// </summary>
internal sealed class McpServerDestination : ILocalDestination
{
    private const string SessionHeader = "Mcp-Session-Id";
    private const string LastEventIdHeader = "Last-Event-ID";

    private static readonly Refusal StreamUnknown = new(StatusCodes.Status404NotFound, ProblemCodes.McpStreamUnknown,
        "This agent has no call stream with that event: it expired, or it is not this agent's.")
    {
        AuditTool = McpEndpoint.AuditTool,
    };

    private readonly CachedEndpoint _post;
    private readonly CachedEndpoint _get;
    private readonly CachedEndpoint _delete;
    private readonly McpSessions _sessions;
    private readonly McpCallStreams _streams;
    private readonly McpAnswerRelay _answers;
    private readonly McpResourceSubscriptions _subscriptions;
    private static readonly Refusal StreamInUse = new(StatusCodes.Status409Conflict, ProblemCodes.McpStreamInUse,
        "This call stream is being resumed on another connection already; resume it once that one ends.")
    {
        AuditTool = McpEndpoint.AuditTool,
        RetryAfter = TimeSpan.FromSeconds(1),
    };

    private readonly McpServerSessionCloser _closer;
    private readonly McpEndpointOptions _options;

    public McpServerDestination(EndpointDataSource endpoints, McpSessions sessions, McpCallStreams streams, McpAnswerRelay answers, McpResourceSubscriptions subscriptions,
        McpServerSessionCloser closer, IOptions<McpEndpointOptions> options)
    {
        _closer = closer;
        _options = options.Value;
        _post = McpServerEndpointMetadata.Find(endpoints, HttpMethods.Post);
        _get = McpServerEndpointMetadata.Find(endpoints, HttpMethods.Get);
        _delete = McpServerEndpointMetadata.Find(endpoints, HttpMethods.Delete);
        _sessions = sessions;
        _streams = streams;
        _answers = answers;
        _subscriptions = subscriptions;
    }

    public async Task ServeAsync(HttpContext context, GatewayRequestFeature feature)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(feature);
        var local = feature.Get<LocalAction>();
        var served = local.StateOf<McpServedMessage>();
        var identity = feature.Get<Admission>().Identity!;
        var message = served.Message;
        if (HttpMethods.IsGet(context.Request.Method) && McpCallStream.TryParseEventId(context.Request.Headers[LastEventIdHeader], out var resumed, out var after))
        {
            // The agent resumes the event stream of one of its calls, after the last event it saw (on any replica): once at a time.
            using var hold = _streams.TryHold(identity.Tenant, identity.Agent, identity.RegisteredAgent, resumed, out var inUse);
            if (hold is null)
            {
                feature.Add(inUse ? StreamInUse : PendingLimit($"This agent resumes {_options.MaxPendingCallsPerAgent} call streams on /mcp already; wait for one to end."));
            }
            else if (!await _streams.ResumeAsync(context, identity.Tenant, identity.Agent, resumed, after).ConfigureAwait(false))
            {
                feature.Add(StreamUnknown);
            }

            return;
        }

        if (message is { Method: null, Id: { } answered } && McpServerRequests.IsRelayId(answered))
        {
            // The server took the client's answer: 202, no body.
            var notTaken = await _answers.RelayAsync(local.Tenant, identity.Tenant, identity.Agent, answered, message.Body, context.RequestAborted).ConfigureAwait(false);
            if (notTaken is not null)
            {
                feature.Add(notTaken);
            }
            else
            {
                feature.Add(new LocalAnswer(Results.StatusCode(StatusCodes.Status202Accepted)));
            }

            return;
        }

        if (message.CancelledRequestId is { } cancelled)
        {
            // Passed on to the MCP server too, which ignores a request it does not know.
            // Only a call of this session and this person: several people's clients may share the agent and number alike.
            _sessions.Cancel(identity.Caller, served.SessionId, cancelled);
        }

        if (message.Method == "initialize" && await MakeRoomAsync(context, identity, served.MakesRoom).ConfigureAwait(false) is { } full)
        {
            feature.Add(full);
            return;
        }

        if (HttpMethods.IsDelete(context.Request.Method) && served.SessionId is { } ending)
        {
            await _sessions.EndAsync(identity.Tenant, ending, context.RequestAborted).ConfigureAwait(false);
            await _subscriptions.EndedAsync(ending).ConfigureAwait(false);
        }

        var server = EndpointFor(context.Request.Method)?.RequestDelegate
            ?? throw new InvalidOperationException($"The MCP server has no endpoint for {context.Request.Method} {McpEndpoint.Path}.");
        context.User = new McpServedCaller(context.User, identity, local.Tenant);

        if (message.Method is "prompts/list" or "resources/list" or "resources/templates/list")
        {
            // Each asks every server the agent may use: it takes a place among the agent's calls in flight while it is served.
            if (!_sessions.TryStartCall(identity.Tenant, identity.RegisteredAgent, _options.MaxPendingCallsPerAgent))
            {
                feature.Add(PendingLimit($"This agent has {_options.MaxPendingCallsPerAgent} calls in flight on /mcp already; wait for one to end."));
                return;
            }

            try
            {
                await server(context).ConfigureAwait(false);
            }
            finally
            {
                _sessions.EndCall(identity.Tenant, identity.RegisteredAgent);
            }

            return;
        }

        await server(context).ConfigureAwait(false);

        if (message.Method == "initialize" && context.Response.Headers[SessionHeader].ToString() is { Length: > 0 } opened)
        {
            _sessions.Opened(opened, identity.Tenant, identity.Agent, identity.Delegation?.Record.Chain, identity.Person);
        }
    }

    /// <summary>
    /// Room for the session an <c>initialize</c> opens: at the agent's limit, its least recently used session for the same
    /// person with no call in flight here gives way (another person's never does), only when Record recorded that it would (<paramref name="makesRoom"/>); null when there is
    /// room, else the refusal, recorded under <c>mcp</c> right after that entry (a store that fails meanwhile included). Ending
    /// the session is not the request's to cancel (<see cref="CancellationToken.None"/>): once recorded, it gives way.
    /// </summary>
    private async ValueTask<Refusal?> MakeRoomAsync(HttpContext context, AgentIdentity identity, bool makesRoom)
    {
        try
        {
            while (_sessions.AtSessionLimit(identity.Tenant, identity.RegisteredAgent))
            {
                if (!makesRoom || await _sessions.TryEvictAsync(identity.Tenant, identity.RegisteredAgent, identity.Person, CancellationToken.None).ConfigureAwait(false) is not { } evicted)
                {
                    return McpSessionLimit.Reached(_sessions.MaxSessionsPerAgent) with { AuditTool = McpEndpoint.AuditTool };
                }

                await _subscriptions.EndedAsync(evicted).ConfigureAwait(false);
                await _closer.CloseAsync(context, evicted).ConfigureAwait(false);
            }
        }
        catch (StateStoreUnavailableException)
        {
            return Refusal.StoreUnavailable() with { AuditTool = McpEndpoint.AuditTool };
        }

        return null;
    }

    /// <summary>One too many in flight: 429 <c>mcp_pending_limit</c>, recorded under <c>mcp</c>, as admission refuses a call.</summary>
    private static Refusal PendingLimit(string detail) => new(StatusCodes.Status429TooManyRequests, ProblemCodes.McpPendingLimit, detail)
    {
        AuditTool = McpEndpoint.AuditTool,
        RetryAfter = TimeSpan.FromSeconds(1),
    };

    private Endpoint? EndpointFor(string method) =>
        HttpMethods.IsPost(method) ? _post.Find()
        : HttpMethods.IsGet(method) ? _get.Find()
        : HttpMethods.IsDelete(method) ? _delete.Find()
        : null;
}
