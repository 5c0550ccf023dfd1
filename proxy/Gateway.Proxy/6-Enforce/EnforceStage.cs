using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Workspace;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Telemetry;
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.People;
using Gateway.Proxy.People.Links;
using Yarp.ReverseProxy;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// Enforce: first, what the recorded decision asks to be written is carried out (<see cref="DecisionEffectWriter"/>: its
/// approval request opened with its receipt, its incident opened); a failure there is a <see cref="Refusal"/>, the
/// decision's outcome, never a forwarded request. A warrant is redeemed last, after every check below that can refuse. Then a decision that is carried out meets the connector's own limits here (request size,
/// read-only degrade, an A2A call's push webhooks' host names resolved, its credential in the vault, the model-token budget); the request sent upstream
/// is settled (the envelope, or the model body as rewritten) and set as the request body, and the
/// request is assigned its connector's YARP cluster. Its record is the <see cref="ForwardPlan"/>; a
/// limit that stops it adds a <see cref="Refusal"/> instead. Decisions that answer or refuse pass
/// through untouched: the Respond stage writes them.
/// </summary>
internal sealed partial class EnforceStage
{
    private readonly RequestDelegate _next;
    private readonly TokenBudgets _budgets;
    private readonly CredentialResolver _credentials;
    private readonly IProxyStateLookup _proxyState;
    private readonly McpToolPins _pins;
    private readonly A2aTaskOwners _tasks;
    private readonly IWebhookHostResolver _webhookHosts;
    private readonly PersonCredentials _people;
    private readonly PublicOrigin _origin;
    private readonly DecisionEffectWriter _effects;
    private readonly ILogger<EnforceStage> _logger;
    private readonly GatewayMetrics _metrics;

    public EnforceStage(RequestDelegate next, TokenBudgets budgets, CredentialResolver credentials, IProxyStateLookup proxyState, McpToolPins pins,
        PersonCredentials people, DecisionEffectWriter effects, A2aTaskOwners tasks, ILogger<EnforceStage> logger, GatewayMetrics metrics, PublicOrigin origin, IWebhookHostResolver webhookHosts)
    {
        _webhookHosts = webhookHosts;
        _origin = origin;
        _tasks = tasks;
        _effects = effects;
        _next = next;
        _budgets = budgets;
        _credentials = credentials;
        _proxyState = proxyState;
        _pins = pins;
        _people = people;
        _logger = logger;
        _metrics = metrics;
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GatewayRequest().Find<LocalAction>() is not null)
        {
            // A request the gateway serves itself: nothing to plan, its route kind's local destination serves it.
            return _next(context);
        }

        // Without effects to carry out or a credential to wait for, enforcing completes without waiting: then the next
        // stage runs from here, with no state machine of this stage's held across forwarding.
        var enforcing = EnforceAsync(context);
        return enforcing.IsCompletedSuccessfully
            ? enforcing.Result ? _next(context) : Task.CompletedTask
            : ForwardOnceEnforcedAsync(enforcing, context);
    }

    private async Task ForwardOnceEnforcedAsync(ValueTask<bool> enforcing, HttpContext context)
    {
        if (await enforcing.ConfigureAwait(false))
        {
            await _next(context).ConfigureAwait(false);
        }
    }

    /// <summary>Carries out the decision's effects and plans the forward; whether the walk goes on to forward it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> EnforceAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var feature = context.GatewayRequest();
            var governed = feature.Get<GovernedDecision>();
            // Not cancelled with the request (on /mcp, the call's lifetime): the recorded decision names what it opens.
            if (await _effects.CarryOutAsync(governed.Effects, feature.Receipt).ConfigureAwait(false) is { } failed)
            {
                feature.Add(failed);
                return false;
            }

            if (feature.Get<RecordedDecision>().Disposition != DecisionDisposition.Execute)
            {
                return false;
            }

            if (feature.Get<DescribedAction>().RefusedAtExecution is { } atExecution)
            {
                feature.Add(atExecution);
                return false;
            }

            var received = feature.Get<AuthenticatedRequest>().Body;
            var (plan, refusal) = await PlanAsync(context, feature, RecordedDecision.AdmissionOf(feature)!, governed, received).ConfigureAwait(false);
            if (plan is null)
            {
                feature.Add(refusal!);
                return false;
            }

            // The warrant is used up last, once nothing but forwarding is left: a refusal before (a credential missing, the
            // budget spent) leaves the approval to be carried out on a retry. Lost to a concurrent use, nothing is
            // forwarded and what was reserved is released by Respond (no plan: not forwarded).
            if (await _effects.RedeemWarrantAsync(governed.Effects, context.RequestAborted).ConfigureAwait(false) is { } spent)
            {
                feature.Add(spent);
                return false;
            }

            if (!plan.Body.Equals(received))
            {
                // YARP streams the outgoing body from the request: what is sent upstream (an envelope, a
                // rewritten model body) is set here, before it.
                var body = plan.Body;
                context.Request.Body = MemoryMarshal.TryGetArray(body, out var segment)
                    ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                    : new MemoryStream(body.ToArray(), writable: false);
                context.Request.ContentLength = body.Length;
            }

            feature.Add(plan);
            return true;
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Enforce, started);
        }
    }

    /// <summary>The plan, or the refusal when one of the connector's limits stops the request.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(ForwardPlan? Plan, Refusal? Refusal)> PlanAsync(HttpContext context, GatewayRequestFeature feature, Admission admission, GovernedDecision governed, ReadOnlyMemory<byte> body)
    {
        var described = feature.Get<DescribedAction>();
        var identity = admission.Identity!;
        var entry = governed.Entry!;
        var tenant = described.Tenant;
        if (described.EntryMismatch?.Invoke(entry) is { } mismatch)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, mismatch));
        }

        var kind = entry.Type();
        if (kind.ForwardedEntry(tenant, entry) is not { } upstream)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, $"MCP connector '{entry.Connector}' of tool '{entry.Name}' is not in the catalog."));
        }

        if (body.Length > entry.Limits.RequestBytes)
        {
            return (null, new Refusal(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, $"The payload exceeds the connector's limit of {entry.Limits.RequestBytes} bytes."));
        }

        if (entry.Pin is not null && await _pins.CheckAsync(tenant, entry, context.RequestAborted).ConfigureAwait(false) is { State: not McpToolPinState.Trusted } pin)
        {
            // A pinned tool is carried out only while its server serves the definition that was approved.
            if (pin.State == McpToolPinState.Drifted)
            {
                await _pins.ReportDriftAsync(tenant.Slug, identity.Agent, identity.Workspace, entry, pin).ConfigureAwait(false);
                return (null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.ToolDefinitionChanged,
                    $"The MCP server no longer serves the definition of '{entry.Name}' that was pinned; it is refused until the pin is renewed. Nothing was forwarded."));
            }

            return (null, new Refusal(StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable,
                $"The definition of the pinned tool '{entry.Name}' could not be checked: its MCP server is unavailable. Nothing was forwarded.") { RetryAfter = McpServerToolLists.RetryInterval });
        }

        var degrade = governed.Degrade;
        if ((TransparentDegrade.Refuse(described, entry, degrade)
            ?? await PushDegrade.RefuseAsync(described, degrade, _tasks, identity.Tenant, context.RequestAborted).ConfigureAwait(false)
            ?? await PushWebhookResolution.RefuseAsync(described, _webhookHosts, context.RequestAborted).ConfigureAwait(false)
            ?? await PushDegrade.RecordWebhookAsync(described, _tasks, identity.Tenant, context.RequestAborted).ConfigureAwait(false)
            ?? await PushDegrade.RecordRedactedAsync(described, degrade, _tasks, identity.Tenant, context.RequestAborted).ConfigureAwait(false)) is { } reduced)
        {
            return (null, reduced);
        }

        // A connector that acts for a person: refused without one; their own credential replaces the connector's.
        var (personCredential, upstreamAccount, personRefusal) = await _people.ObtainAsync(
            tenant, entry, upstream, identity.Person, identity.Delegation is not null, feature.Find<PresentedPerson>(), _origin.For(context.Request), context.RequestAborted).ConfigureAwait(false);
        if (personRefusal is not null)
        {
            return (null, personRefusal);
        }

        if (upstreamAccount is not null)
        {
            // The Respond stage's outcome record names the upstream account the call was made as.
            feature.Add(new UpstreamAccountUsed(upstreamAccount));
        }

        if (personCredential is null && ConnectorCredentials.ReferenceOf(upstream) is { } reference && !await _credentials.IsAvailableAsync(tenant.Slug, reference, context.RequestAborted).ConfigureAwait(false))
        {
            LogCredentialUnavailable(_logger, upstream.Name, tenant.Slug);
            return (null, new Refusal(StatusCodes.Status503ServiceUnavailable, ProblemCodes.CredentialUnavailable,
                $"The credential of connector '{upstream.Name}' is not in the vault (or cannot be read); an operator must store it. Nothing was forwarded."));
        }

        var isModel = kind.IsModel;
        var redactions = new RedactionCounts();
        UpstreamEnvelope? envelope = null;
        var forwardBody = body;
        if (described.PassesBodyThrough)
        {
            if (isModel)
            {
                forwardBody = ModelBody(context, entry, degrade, body, described.Body);
            }
        }
        else
        {
            var args = described.Request.Args.ValueKind == JsonValueKind.Undefined ? EmptyObject : described.Request.Args;
            if (described.WritesItem && WritebackTooLarge(entry, described) is { } tooLarge)
            {
                return (null, tooLarge);
            }

            try
            {
                // A prompt or a resource on /mcp is the server's own request; a writeback the item the gateway builds;
                // everything else the entry's envelope.
                envelope = described.McpServerCall is { } serverCall ? McpServerRequestEnvelope.For(serverCall.Method, serverCall.Params)
                    : described.WritesItem ? kind.BuildWritebackEnvelope(entry, WrittenItem(context, identity, governed, args), degrade, redactions)
                    : UpstreamEnvelopes.Build(entry, args, degrade);
            }
            catch (ConnectorArgumentException ex)
            {
                return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, ex.Message));
            }
            catch (DegradeRefusedException ex)
            {
                return (null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.DegradeRefused, ex.Message));
            }

            if (described.ProgressToken is { } progressToken && envelope.JsonRpcId is not null && envelope.Body is { } call)
            {
                // The server's progress names the token the client waits on; the transform relays it as it comes.
                envelope = envelope with { Body = McpProgressToken.Carry(call, progressToken) };
            }

            forwardBody = envelope.Body ?? ReadOnlyMemory<byte>.Empty;
        }

        TokenReservation? reservation = null;
        string? requestedModel = null;
        if (isModel && described.CarriesModelRequest)
        {
            // The model and the output ceiling of the request as sent (only a route degrade changes them, in
            // the body it rewrote); the body's length bounds its input tokens.
            var api = described.ModelApiOf(entry);
            (requestedModel, var ceiling) = degrade?.Mode == DegradeMode.Route
                ? ModelFacts(forwardBody, api)
                : ModelFacts(described.ModelRequest, api);
            // A routed call's run cost is settled at the price of the model it runs (unpriced under a cost limit: refused).
            if (degrade?.Mode == DegradeMode.Route && admission.Run?.RouteTo(entry, requestedModel) is { } unpriced)
            {
                return (null, unpriced);
            }

            // The admission's reservation taken up (or, when it does not cover this, the budget asked here).
            reservation = await _budgets.TryReserveAsync(tenant, (identity.Tenant, identity.RegisteredAgent), entry.Name, ceiling + (envelope is null ? forwardBody.Length : body.Length), admission.Reservation, context.RequestAborted).ConfigureAwait(false);
            if (reservation is not null)
            {
                // What the request holds from here on (the Respond stage settles or releases it).
                feature.Add(reservation);
            }

            if (reservation is { Granted: false } refused)
            {
                return (null, new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.BudgetExhausted,
                    $"The token budget for '{entry.Name}' cannot cover this request's {refused.Reserved} tokens.") { RetryAfter = refused.ResetsIn });
            }
        }

        // The connector's own route (its transforms configured by its values) and its cluster.
        var ids = ConnectorClusters.IdFor(tenant, entry);
        if (ids is null || !_proxyState.TryGetCluster(ids.ClusterId, out var cluster)
            || !_proxyState.TryGetRoute(ids.RouteId(described.PassesBodyThrough), out var route))
        {
            return (null, new Refusal(StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable,
                $"Connector '{upstream.Name}' has no upstream in service yet; retry shortly.") { RetryAfter = Refusal.ShortRetryAfter });
        }

        context.ReassignProxyRequest(route, cluster);
        var toolDrifts = described.PassesBodyThrough && kind.IsMcpServer ? new McpToolDriftSightings() : null;
        return (new ForwardPlan
        {
            Tenant = tenant,
            Identity = identity,
            Entry = entry,
            Upstream = upstream,
            ClusterId = ids.ClusterId,
            DecisionToken = governed.DecisionToken,
            Degrade = degrade?.Mode,
            Clearance = feature.Find<WorkspaceItemClearance>(),
            Envelope = envelope,
            WritesItem = described.WritesItem,
            RelaysToMcpClient = described.CallerSpeaksMcp,
            A2aTasks = described.RemoteAgent is { } agent ? new A2aCallerTasks(_tasks, identity.Tenant, agent, identity.Agent, described.NamesPushWebhook, PushDegrade.Redacts(degrade), described.A2aTask) : null,
            Target = described.Target,
            Body = forwardBody,
            MaxResponseBytes = entry.Limits.ResponseBytes,
            RequestedModel = requestedModel,
            // Every answer an MCP server sends through the provider route is filtered, not only the answer to a POST that
            // asked tools/list: a resumed stream (GET with Last-Event-ID) replays answers without their request. (A
            // tools/call, sent alone, resolves to its mcp_tool entry; everything else to the server's.)
            McpToolAllowed = toolDrifts is null ? null : McpProviderToolFilter.For(tenant, identity, entry.Name, toolDrifts),
            McpToolDrifts = toolDrifts,
            Usage = described.PassesBodyThrough && isModel ? new ModelUsageAccumulator(entry.Kind) : null,
            PersonCredential = personCredential,
            Redactions = redactions,
            StartedTimestamp = Stopwatch.GetTimestamp(),
        }, null);
    }

    /// <summary>A writeback's content over the store's <c>writeback.max_bytes</c> (its JSON text as the agent sent it): 413.</summary>
    private static Refusal? WritebackTooLarge(CatalogEntry entry, DescribedAction described)
    {
        var limit = entry.Writeback?.ContentBytes ?? WritebackSettings.DefaultMaxBytes;
        var content = described.Body.GetProperty("content").GetRawText();
        return Encoding.UTF8.GetByteCount(content) > limit
            ? new Refusal(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, $"The item's content exceeds the workspace's limit of {limit} bytes (writeback.max_bytes); nothing was written.")
            : null;
    }

    /// <summary>The item a writeback stores: its name and content, the classes decided on, and who wrote it.</summary>
    private static WorkspaceItem WrittenItem(HttpContext context, AgentIdentity identity, GovernedDecision governed, JsonElement args) => new()
    {
        Name = args.GetProperty("name").GetString()!,
        Content = args.GetProperty("content"),
        DataClasses = governed.Decision.Descriptor!.DataClasses,
        WrittenBy = new WorkspaceWriter(identity.Agent, identity.Workspace, RequestIdMiddleware.GetRequestId(context)) { Person = identity.Person?.Subject, RunId = identity.Run?.Id },
    };

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "Credential of connector {Connector} unavailable for tenant {Tenant}")]
    private static partial void LogCredentialUnavailable(ILogger logger, string connector, string tenant);
}
