using System.Diagnostics;
using System.Runtime.CompilerServices;
using Gateway.Audit;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Oversight;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond: the stage that answers. It wraps the walk (so it is the first middleware of the pipeline and
/// does its work last) and reads the records the stages left: a <see cref="Refusal"/> is recorded where
/// it says something about an action and written in the route's dialect; a decision that answers or
/// refuses is written with its explanation; a forwarded request's outcome is recorded, then the agent
/// is answered (the upstream's own stream, or the decision with its result). This is the one place
/// refusals are recorded and written. A state store or audit journal that fails anywhere in the walk
/// ends the request in a refusal (503), never in a forwarded request. Its time runs from the upstream's
/// answer (the response transforms and body included) or, when nothing was forwarded, from the end of
/// the walk, until the request is answered and its token reservation settled.
/// </summary>
internal sealed partial class RespondStage
{
    private static readonly Refusal UpstreamFailed = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The upstream could not be reached or failed mid-request.");

    private readonly RequestDelegate _next;
    private readonly AuditRecorder _audit;
    private readonly TokenBudgets _budgets;
    private readonly RunCounters _runs;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<RespondStage> _logger;
    private readonly McpToolPins _pins;
    private readonly IServiceProvider _services;

    public RespondStage(RequestDelegate next, AuditRecorder audit, TokenBudgets budgets, RunCounters runs, GatewayMetrics metrics, ILogger<RespondStage> logger,
        McpToolPins pins, IServiceProvider services)
    {
        _services = services;
        _pins = pins;
        _runs = runs;
        _next = next;
        _audit = audit;
        _budgets = budgets;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var feature = context.GatewayRequest();
        var walked = 0L;
        context.Response.OnStarting(SendReceipt, context);
        try
        {
            try
            {
                await _next(context).ConfigureAwait(false);
            }
            finally
            {
                walked = Stopwatch.GetTimestamp();
            }

            await RespondAsync(context, feature).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex) when (!context.Response.HasStarted)
        {
            LogDependencyUnavailable(_logger, "store", ex);
            var refusal = Refusal.StoreUnavailable();
            await RecordStoreOutageAsync(context, feature, refusal).ConfigureAwait(false);
            await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or ReceiptSigningException && !context.Response.HasStarted)
        {
            LogDependencyUnavailable(_logger, "audit", ex);
            await RefusalResponse.WriteAsync(context, Refusal.AuditUnavailable()).ConfigureAwait(false);
        }
        finally
        {
            // The reservations, settled beside the outcome record when the provider route started it, else now.
            if ((feature.Find<ReservationSettlement>()?.Settled ?? StartSettling(feature)) is { } settling)
            {
                await settling.ConfigureAwait(false);
            }

            // A call's event stream that began and ended without its answer ends with one, for a client that resumes it.
            await RefusalResponse.EndUnansweredStreamAsync(context).ConfigureAwait(false);
            feature.ReleaseHeld();
            var answered = feature.UpstreamAnsweredTimestamp;
            _metrics.RecordStage(GatewayStage.Respond, answered > 0 ? answered : walked);
        }
    }

    private ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature)
    {
        if (feature.Find<AuthenticationChallenge>() is { } challenge)
        {
            return new ValueTask(RefuseUnauthenticatedAsync(context, challenge, _audit, _metrics, _logger));
        }

        if (feature.Find<Refusal>() is { } refusal)
        {
            return new ValueTask(RefuseAsync(context, feature, refusal));
        }

        if (GatewayRouteKinds.NameOf(context.GetReverseProxyFeature().Route.Config) is { } kind && _services.GetKeyedService<IRouteResponder>(kind) is { } responder)
        {
            return AnswerWithAsync(responder, context, feature);
        }

        var recorded = feature.Find<RecordedDecision>();
        // The answer of an executed native call (the most frequent) is a pooled state machine; the others are wrapped.
        return recorded?.Disposition switch
        {
            DecisionDisposition.Answer => new ValueTask(DecisionResponseWriter.WriteDecisionAsync(context, feature.Get<GovernedDecision>(), invoked: false)),
            DecisionDisposition.Refuse when feature.Get<DescribedAction>().Route == GatewayRouteKind.A2a && feature.JsonRpcId is { } a2aId
                && feature.Get<GovernedDecision>() is { Approval: not null } a2aHeld
                => new ValueTask(A2aReplyWriter.WriteHeldAsync(context, a2aId, feature.Get<DescribedAction>().Body, a2aHeld)),
            DecisionDisposition.Refuse => new ValueTask(RefusalResponse.WriteAsync(context, DecisionResponseWriter.RefusalFor(feature.Get<GovernedDecision>(), RecordedDecision.ReceiptOf(context)))),
            DecisionDisposition.Execute => feature.Get<ForwardPlan>().Route == GatewayRouteKind.Provider
                ? new ValueTask(CompleteProviderAsync(context, feature))
                : CompleteNativeAsync(context, feature),
            _ => new ValueTask(RefusalResponse.WriteAsync(context, Refusal.Internal())),
        };
    }

    /// <summary>The route kind's responder answers; a refusal it adds on the way (an upstream's failure) is recorded and written here.</summary>
    private async ValueTask AnswerWithAsync(IRouteResponder responder, HttpContext context, GatewayRequestFeature feature)
    {
        await responder.RespondAsync(context, feature).ConfigureAwait(false);
        if (feature.Find<Refusal>() is { } refusal && !context.Response.HasStarted)
        {
            await RefuseAsync(context, feature, refusal).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A refusal: after a recorded decision (one to be carried out, or a refusal whose approval or incident could not be
    /// opened), it is that decision's outcome, recorded, and answered with the decision attached when the decision was
    /// to be carried out; before any decision it is recorded when it names an action (<see cref="Refusal.AuditTool"/>).
    /// </summary>
    private async Task RefuseAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal)
    {
        if (feature.Find<RecordedDecision>() is { Disposition: DecisionDisposition.Execute or DecisionDisposition.Refuse } recordedDecision)
        {
            var governed = feature.Get<GovernedDecision>();
            var response = feature.Find<UpstreamResponse>();
            LogRefusedAtExecution(_logger, governed.Entry?.Name ?? "(none)", refusal.Code);
            await _audit.RecordOutcomeAsync(context, feature.Get<Admission>().Identity!, governed, new ActionOutcome
            {
                Invoked = response is not null,
                UpstreamStatus = response?.Status,
                Latency = Latency(feature),
                Refusal = refusal,
            }).ConfigureAwait(false);
            if (recordedDecision.Disposition == DecisionDisposition.Execute)
            {
                refusal = DecisionResponseWriter.WithDecision(refusal, governed, RecordedDecision.ReceiptOf(context));
            }
        }
        else if (refusal.AuditTool is { } tool && (feature.Find<Admission>()?.Identity ?? feature.Find<AuthenticatedRequest>()?.Identity) is { } identity)
        {
            await _audit.RecordRefusalAsync(context, identity, tool, refusal.Code, refusal.Status, refusal.ExplanationJson).ConfigureAwait(false);
        }

        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    /// <summary>The provider route: the upstream's response has streamed; flush, count, record, and refuse what could not be passed on.</summary>
    private async Task CompleteProviderAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var plan = feature.Get<ForwardPlan>();
        var response = feature.Find<UpstreamResponse>();
        if (response is { Stream: { } stream, Refusal: null } && response.SizeLimit?.Exceeded != true)
        {
            await stream.CompleteAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var refusal = response?.Refusal ?? response?.LimitCrossed ?? ForwardingFailure(context.GetForwarderErrorFeature());
        CountUsageAndRedactions(plan, response);
        foreach (var (tool, pin) in plan.McpToolDrifts?.Seen() ?? [])
        {
            // Hidden from the answer by the transform; its incident is opened here, after the answer (never cancelled by it).
            await _pins.ReportDriftAsync(plan.Tenant.Slug, plan.Identity.Agent, plan.Identity.Workspace, tool, pin, CancellationToken.None).ConfigureAwait(false);
        }

        // What the call used is known now: its reservations settle while its outcome is recorded (two store calls, one wait).
        if (StartSettling(feature) is { } settling)
        {
            feature.Add(new ReservationSettlement(settling));
        }

        try
        {
            await _audit.RecordOutcomeAsync(context, plan.Identity, feature.Get<GovernedDecision>(), new ActionOutcome
            {
                Invoked = response is not null,
                UpstreamStatus = response?.Status,
                ClientStatus = context.Response.StatusCode,
                Redactions = plan.Redactions.ToDictionary(),
                Latency = Latency(feature),
                Refusal = refusal,
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or StateStoreUnavailableException)
        {
            // The response has already streamed; the decision record (written before forwarding) stands.
            LogOutcomeNotRecorded(_logger, ex);
        }

        if (refusal is not null)
        {
            // Before the response started: a clear refusal. After: the connection is aborted (never a cut body taken for whole).
            await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
        }
    }

    /// <summary>A native route: record the outcome, then answer with the decision and the result (or the refusal).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CompleteNativeAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var plan = feature.Get<ForwardPlan>();
        var response = feature.Find<UpstreamResponse>();
        if (response is { A2aStream: not null } && context.Response.HasStarted && feature.JsonRpcId is { } streamId)
        {
            await CompleteA2aStreamAsync(context, feature, response, streamId).ConfigureAwait(false);
            return;
        }

        var refusal = response?.Refusal ?? ForwardingFailure(context.GetForwarderErrorFeature());
        if (refusal is not null || response?.Result is not { } result)
        {
            await RefuseAsync(context, feature, refusal ?? UpstreamFailed).ConfigureAwait(false);
            return;
        }

        CountUsageAndRedactions(plan, response);
        var governed = feature.Get<GovernedDecision>();
        await _audit.RecordOutcomeAsync(context, plan.Identity, governed, new ActionOutcome
        {
            Invoked = true,
            UpstreamStatus = result.StatusCode,
            Redactions = WorkspaceResponseMembers.Counts(plan.Redactions.ToDictionary(), response),
            Latency = Latency(feature),
        }).ConfigureAwait(false);
        var described = feature.Get<DescribedAction>();
        if (plan.Route == GatewayRouteKind.A2a && feature.JsonRpcId is { } a2aId)
        {
            await _audit.RecordA2aTaskStatesAsync(context, plan.Identity, governed, A2aReplyWriter.StatesOf(described.Body, result)).ConfigureAwait(false);
            await A2aReplyWriter.WriteResultAsync(context, a2aId, described.Body, result).ConfigureAwait(false);
            return;
        }

        if (plan.Route == GatewayRouteKind.McpCall && feature.JsonRpcId is { } id)
        {
            await McpToolResultWriter.WriteResultAsync(context, id, described.Body, governed, result).ConfigureAwait(false);
            return;
        }

        await DecisionResponseWriter.WriteDecisionAsync(context, governed, invoked: true, result.Json, result.StatusCode,
            WorkspaceResponseMembers.For(described, governed, response)).ConfigureAwait(false);
    }

    /// <summary>
    /// A remote agent's event stream, relayed as it came (<see cref="A2aRelayedStream"/>): the outcome and the task states
    /// the relayed events showed are recorded, and a stream that could not be relayed to its end ends with the refusal as
    /// a last event (a JSON-RPC error). The events have gone out: a record that cannot be written is logged, as for a
    /// provider's stream (the decision, recorded before anything was sent, stands).
    /// </summary>
    private async Task CompleteA2aStreamAsync(HttpContext context, GatewayRequestFeature feature, UpstreamResponse response, string id)
    {
        var plan = feature.Get<ForwardPlan>();
        var refusal = response.Refusal ?? ForwardingFailure(context.GetForwarderErrorFeature());
        CountUsageAndRedactions(plan, response);
        var governed = feature.Get<GovernedDecision>();
        try
        {
            await _audit.RecordOutcomeAsync(context, plan.Identity, governed, new ActionOutcome
            {
                Invoked = true,
                UpstreamStatus = response.Status,
                Redactions = plan.Redactions.ToDictionary(),
                Latency = Latency(feature),
                Refusal = refusal,
            }).ConfigureAwait(false);
            await _audit.RecordA2aTaskStatesAsync(context, plan.Identity, governed, response.A2aStream!.States).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or StateStoreUnavailableException or OperationCanceledException)
        {
            LogOutcomeNotRecorded(_logger, ex);
        }

        if (refusal is not null)
        {
            await A2aReplyWriter.WriteStreamErrorAsync(context, id, refusal).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records a request the state store's outage refused, under the tool it named, when the journal can take it
    /// (a journal on file or PostgreSQL is up while Redis is down). When it cannot, the refusal is answered all the
    /// same and the failure logged: nothing was forwarded either way.
    /// </summary>
    private async Task RecordStoreOutageAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal)
    {
        if ((feature.Find<Admission>()?.Identity ?? feature.Find<AuthenticatedRequest>()?.Identity) is not { } identity
            || feature.Find<DescribedAction>()?.Request.Tool is not { } tool)
        {
            return;
        }

        try
        {
            await _audit.RecordRefusalAsync(context, identity, tool, refusal.Code, refusal.Status).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or StateStoreUnavailableException)
        {
            LogRefusalNotRecorded(_logger, refusal.Code, ex);
        }
    }

    /// <summary>
    /// Starts settling what the request holds: what Enforce took up of its token budget (settled against use), else the
    /// admission's own (not forwarded: released), and what its run's counters hold for the call (given back when nothing was
    /// forwarded), the two at once; null when it holds nothing.
    /// </summary>
    private Task? StartSettling(GatewayRequestFeature feature)
    {
        var budget = (feature.Find<TokenReservation>() ?? feature.Find<Admission>()?.Reservation) is { Granted: true } reservation
            ? SettleAsync(feature, reservation)
            : null;
        var run = feature.Find<Admission>()?.Run is { HoldsSpend: true } held
            ? _runs.SettleAsync(held, Usage(feature), forwarded: feature.Find<UpstreamResponse>() is not null).AsTask()
            : null;
        return budget is not null && run is not null ? Task.WhenAll(budget, run) : budget ?? run;
    }

    private async Task SettleAsync(GatewayRequestFeature feature, TokenReservation reservation)
    {
        var used = Usage(feature)?.TotalTokens ?? (feature.Find<UpstreamResponse>() is null ? 0 : reservation.Reserved);
        await _budgets.SettleAsync(reservation, used, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The tokens the provider reported for the call (a streamed body's, else the result's); null when it reported none.</summary>
    private static ModelUsage? Usage(GatewayRequestFeature feature) =>
        feature.Find<ForwardPlan>()?.Usage?.Usage ?? feature.Find<UpstreamResponse>()?.Result?.Usage;

    private static TimeSpan Latency(GatewayRequestFeature feature) =>
        feature.Find<ForwardPlan>() is { } plan ? Stopwatch.GetElapsedTime(plan.StartedTimestamp) : TimeSpan.Zero;

    private static Refusal? ForwardingFailure(IForwarderErrorFeature? error) => error?.Error switch
    {
        null or ForwarderError.None => null,
        ForwarderError.RequestCreation when error.Exception is CredentialUnavailableException => new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.CredentialUnavailable,
            "The connector's credential became unavailable (revoked or unreadable); nothing was forwarded."),
        ForwarderError.RequestTimedOut => new(StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout, "The upstream did not answer in time."),
        ForwarderError.NoAvailableDestinations => new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable, "No healthy destination of the connector is available."),
        _ => UpstreamFailed,
    };

    private void CountUsageAndRedactions(ForwardPlan plan, UpstreamResponse? response)
    {
        if ((plan.Usage?.Usage ?? response?.Result?.Usage) is { } usage)
        {
            var model = plan.RequestedModel ?? plan.Entry.Name;
            _metrics.Tokens.Add(usage.InputTokens, new("model", model), new("tenant", plan.Identity.Tenant), new("direction", "input"));
            _metrics.Tokens.Add(usage.OutputTokens, new("model", model), new("tenant", plan.Identity.Tenant), new("direction", "output"));
        }

        // Each kind's count as it stands, without the sorted dictionary the records are given.
        for (var i = 0; i < RedactionKindNames.All.Count; i++)
        {
            var kind = RedactionKindNames.All[i];
            if (plan.Redactions[kind] is > 0 and var count)
            {
                _metrics.Redactions.Add(count, new KeyValuePair<string, object?>("kind", kind.ToWireName()));
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Dependency {Dependency} unavailable; request refused (fail closed)")]
    private static partial void LogDependencyUnavailable(ILogger logger, string dependency, Exception exception);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Connector {Connector} refused at execution: {Code}")]
    private static partial void LogRefusedAtExecution(ILogger logger, string connector, string code);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Error, Message = "A refusal ({Code}) could not be recorded; it was answered and nothing was forwarded")]
    private static partial void LogRefusalNotRecorded(ILogger logger, string code, Exception exception);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Error, Message = "The outcome of a streamed request (a provider's, a remote agent's) could not be recorded")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, Exception exception);
}
