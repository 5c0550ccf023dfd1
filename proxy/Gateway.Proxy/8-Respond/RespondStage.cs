using System.Diagnostics;
using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond: the stage that answers. It wraps the walk (so it is the first middleware of the pipeline and
/// does its work last) and reads the records the stages left: a <see cref="Refusal"/> is recorded where
/// it says something about an action and written in the route's dialect; a decision that answers or
/// refuses is written with its explanation; a forwarded request's outcome is handed to the journal, which appends it
/// right after the answer without the response waiting (unless its catalog entry asks for it before the response), and
/// the agent is answered (the upstream's own stream, or the decision with its result). This is the one place
/// refusals are written, and where they are recorded but for a local kind's refusal that Record appended as its entry. A
/// state store or audit journal that fails anywhere in the walk ends the request in a refusal (503), never in a forwarded
/// request (an outcome appended after the answer that the journal cannot take waits in its backlog); any other exception
/// ends it in a recorded refusal, 500 <c>internal_error</c> (<c>RespondStage.Unexpected.cs</c>). Its time runs from the upstream's
/// answer (the response transforms and body included) or, when nothing was forwarded, from the end of
/// the walk, until the request is answered and its token reservation settled.
/// </summary>
internal sealed partial class RespondStage
{
    // How long the first record of a refusal recorded once per minute (Refusal.RecordedOncePerMinute) covers the same ones.
    private static readonly TimeSpan OncePerMinute = TimeSpan.FromMinutes(1);

    private readonly RequestDelegate _next;
    private readonly AuditRecorder _audit;
    private readonly ReservationSettler _settler;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<RespondStage> _logger;
    private readonly IServiceProvider _services;
    private readonly IStateStore _store;

    public RespondStage(RequestDelegate next, AuditRecorder audit, ReservationSettler settler, GatewayMetrics metrics, ILogger<RespondStage> logger, IServiceProvider services, IStateStore store)
    {
        _services = services;
        _store = store;
        _settler = settler;
        _next = next;
        _audit = audit;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var feature = context.GatewayRequest();
        // The kind of the route as matched, before Enforce moves the request onto its connector's route.
        var responder = GatewayRouteKinds.NameOf(context.GetReverseProxyFeature().Route.Config) is { } kind ? _services.GetKeyedService<IRouteResponder>(kind) : null;
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

            // A call on /mcp whose lifetime ended as its walk did (the idle timeout) is still answered while its client is there.
            McpCallLifetime.EndedWithClientConnected(context);
            await RespondAsync(context, feature, responder).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex) when (!context.Response.HasStarted)
        {
            LogDependencyUnavailable(_logger, "store", ex);
            await RefuseStoreOutageAsync(context, feature).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or ReceiptSigningException && !context.Response.HasStarted)
        {
            LogDependencyUnavailable(_logger, "audit", ex);
            await RefusalResponse.WriteAsync(context, Refusal.AuditUnavailable()).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (OutcomeOwed(context, feature))
        {
            // Ended after its decision to be carried out was recorded (a call on /mcp the gateway ended, a client gone):
            // that decision's outcome is recorded. A client still connected (a call that outlived its time) is answered
            // with it, not left to the host's handler; else the cancellation goes on as before (nothing more is answered).
            var ended = await RecordEndedAsync(context, feature).ConfigureAwait(false);
            if (!McpCallLifetime.EndedWithClientConnected(context))
            {
                throw;
            }

            await RefusalResponse.WriteAsync(context, ended).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && IsUnexpected(context, ex))
        {
            LogUnexpectedFailure(_logger, ex);
            await RefuseUnexpectedAsync(context, feature).ConfigureAwait(false);
        }
        finally
        {
            // A call's event stream that began and ended without its answer ends with one, for a client that resumes it.
            await RefusalResponse.EndUnansweredStreamAsync(context).ConfigureAwait(false);

            // The reservations, settled where a responder recorded the outcome (OutcomeRecorder), else now. The answer is
            // complete first (a streamed one's last chunk sent): the client has it while the settle lands, and the next
            // request on an HTTP/1.1 connection is read only once it has, so an agent's next call there sees its budget
            // settled (a settle in the outcome's append is ordered before the chain's next admission: not waited for).
            var settling = feature.Find<ReservationSettlement>() is { } started ? started.Settled : _settler.Start(context, feature);
            if (settling is not null)
            {
                if (context.Response.HasStarted)
                {
                    await context.Response.CompleteAsync().ConfigureAwait(false);
                }

                await settling.ConfigureAwait(false);
            }
            feature.ReleaseHeld();
            var answered = feature.UpstreamAnsweredTimestamp;
            _metrics.RecordStage(GatewayStage.Respond, answered > 0 ? answered : walked);
        }
    }

    private ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature, IRouteResponder? responder)
    {
        if (feature.Find<AuthenticationChallenge>() is { } challenge)
        {
            return new ValueTask(challenge is { RecordedUnder: { } identity, Refusal.RecordedOncePerMinute: true }
                ? RefuseUnauthenticatedOncePerMinuteAsync(context, challenge, identity)
                : RefuseUnauthenticatedAsync(context, challenge, _audit, _logger));
        }

        if (feature.Find<Refusal>() is { } refusal)
        {
            return new ValueTask(RefuseAsync(context, feature, refusal, responder));
        }

        // Every route of the gateway is of a registered kind, with its responder.
        return responder is not null ? AnswerWithAsync(responder, context, feature) : new ValueTask(RefusalResponse.WriteAsync(context, Refusal.Internal()));
    }

    /// <summary>The route kind's responder answers; a refusal it adds on the way (an upstream's failure) is recorded and written here.</summary>
    private async ValueTask AnswerWithAsync(IRouteResponder responder, HttpContext context, GatewayRequestFeature feature)
    {
        await responder.RespondAsync(context, feature).ConfigureAwait(false);
        if (feature.Find<Refusal>() is { } refusal && !context.Response.HasStarted)
        {
            await RefuseAsync(context, feature, refusal, responder).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A refusal: after a recorded decision (one to be carried out, or a refusal whose approval or incident could not be
    /// opened), it is that decision's outcome, recorded, and answered with the decision attached when the decision was
    /// to be carried out; before any decision it is recorded when it names an action (<see cref="Refusal.AuditTool"/>), or under
    /// no tool when it says so (<see cref="Refusal.RecordedUnderNoTool"/>: a revoked or retired secret), only the first of its
    /// kind in a minute when it says so (<see cref="FirstInItsMinuteAsync"/>).
    /// The route kind's responder then says it as its clients read it (<see cref="IRouteResponder.OfferAsync"/>). A record the
    /// journal cannot take refuses the request 503 <c>audit_unavailable</c> instead, but for a store outage's or a failure's
    /// refusal (<see cref="AnsweredWhateverTheJournal"/>) that is not an outcome its entry asks for before the response
    /// (<see cref="OutcomeBeforeResponse"/>).
    /// </summary>
    private async Task RefuseAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal, IRouteResponder? responder)
    {
        refusal = AnsweredWhateverTheJournal(refusal) && !OutcomeBeforeResponse(feature, refusal)
            ? await TryRecordRefusalAsync(context, feature, refusal).ConfigureAwait(false)
            : await RecordRefusalAsync(context, feature, refusal).ConfigureAwait(false);
        if (responder is not null)
        {
            refusal = await responder.OfferAsync(context, feature, refusal).ConfigureAwait(false);
        }

        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    /// <summary>
    /// Records <paramref name="refusal"/> as <see cref="RefuseAsync"/> says, once per request (<see cref="MarkRecorded"/>),
    /// and returns it as it is answered (with the decision attached when the decision was to be carried out).
    /// </summary>
    private async Task<Refusal> RecordRefusalAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal)
    {
        MarkRecorded(context);
        if (RecordedDecision.RefusedAfterDecision(feature) && refusal.AuditTool is { } refusedTool)
        {
            // The admission made with the decision record refused it (a replay, a limit, a kill switch flipped since this
            // replica's view): recorded as that refusal, which is the decision's outcome, and answered as it.
            await _audit.RecordRefusalAsync(context, RecordedDecision.AdmissionOf(feature)!.Identity ?? feature.Get<Admission>().Identity!, refusedTool, refusal.Code, refusal.Status, refusal.ExplanationJson).ConfigureAwait(false);
            if (refusal.Decision is not null)
            {
                refusal = DecisionResponseWriter.WithDecision(refusal, feature.Get<GovernedDecision>(), RecordedDecision.ReceiptOf(context));
            }
        }
        else if (feature.Find<RecordedDecision>() is { Disposition: DecisionDisposition.Execute or DecisionDisposition.Refuse } recordedDecision)
        {
            var governed = feature.Get<GovernedDecision>();
            var response = feature.Find<UpstreamResponse>();

            // Invoked when the upstream may have received the call (a timeout after it was sent), in the record and the answer alike.
            var invoked = UpstreamReach.MayHaveReached(context, feature);
            LogRefusedAtExecution(_logger, governed.Entry?.Name ?? "(none)", refusal.Code);
            await _audit.RecordOutcomeAsync(context, feature.Get<Admission>().Identity!, governed, new ActionOutcome
            {
                Invoked = invoked,
                UpstreamStatus = response?.Status,
                Latency = OutcomeRecorder.Latency(feature),
                Refusal = refusal,
            }).ConfigureAwait(false);
            if (recordedDecision.Disposition == DecisionDisposition.Execute)
            {
                refusal = DecisionResponseWriter.WithDecision(refusal, governed, RecordedDecision.ReceiptOf(context), invoked);
            }
        }
        else if (refusal.AuditTool is { } tool && (feature.Find<Admission>()?.Identity ?? feature.Find<AuthenticatedRequest>()?.Identity) is { } identity)
        {
            if (await FirstInItsMinuteAsync(context, refusal, identity).ConfigureAwait(false))
            {
                await _audit.RecordRefusalAsync(context, identity, tool, refusal.Code, refusal.Status, refusal.ExplanationJson).ConfigureAwait(false);
            }
        }
        else if (refusal.RecordedUnderNoTool && feature.Find<AuthenticatedRequest>()?.Identity is { } proven
            && await FirstInItsMinuteAsync(context, refusal, proven).ConfigureAwait(false))
        {
            await _audit.RecordRefusalAsync(context, proven, tool: null, refusal.Code, refusal.Status).ConfigureAwait(false);
        }

        return refusal;
    }

    /// <summary>
    /// Whether <paramref name="refusal"/> is recorded: always, but for one recorded once a minute
    /// (<see cref="Refusal.RecordedOncePerMinute"/>), the first of its code for the agent, its secret and the route,
    /// which claims <see cref="StoreKeys.RefusalRecorded"/> for a minute with one set-if-absent (atomic across replicas).
    /// A store that cannot answer claims nothing: the refusal is answered unrecorded, never admitted; but an unexpected
    /// failure (500 <c>internal_error</c>) is recorded all the same, so that an outage never silences its record.
    /// </summary>
    private async ValueTask<bool> FirstInItsMinuteAsync(HttpContext context, Refusal refusal, AgentIdentity identity)
    {
        if (!refusal.RecordedOncePerMinute)
        {
            return true;
        }

        var route = context.GetReverseProxyFeature().Route.Config.RouteId;
        var key = StoreKeys.RefusalRecorded(identity.Tenant, identity.Agent, identity.SecretFingerprint ?? "-", route, refusal.Code);
        try
        {
            return await _store.TrySetIfAbsentAsync(key, context.TraceIdentifier, OncePerMinute, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex) when (refusal.Code != ProblemCodes.InternalError)
        {
            LogRefusalNotRecorded(_logger, refusal.Code, ex);
            return false;
        }
        catch (StateStoreUnavailableException)
        {
            return true;
        }
    }

    /// <summary>
    /// Authentication's refusal of a proven agent, every one recorded once a minute (a retired secret's token, a person's
    /// token refused, a foreign run: no rate limit stops them): recorded under
    /// <paramref name="identity"/> only when it is the first of its kind in the minute (<see cref="FirstInItsMinuteAsync"/>).
    /// </summary>
    private async Task RefuseUnauthenticatedOncePerMinuteAsync(HttpContext context, AuthenticationChallenge challenge, AgentIdentity identity)
    {
        var first = await FirstInItsMinuteAsync(context, challenge.Refusal, identity).ConfigureAwait(false);
        await RefuseUnauthenticatedAsync(context, first ? challenge : challenge with { RecordedUnder = null }, _audit, _logger).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers a state store's outage: <see cref="Refusal.StoreUnavailable"/> (saying whether the upstream may have received
    /// the request; when it may have, without <c>Retry-After</c>: a retry could carry the call out twice), recorded as <see cref="RefuseAsync"/> records a refusal unless the request's refusal or outcome already is
    /// (<see cref="Recorded"/>): after a recorded decision, as that decision's outcome, and answered with the decision when it
    /// was to be carried out; before, under the tool it named (a governed action's, or the tool a request the gateway serves
    /// itself is recorded as: after its entry, a delegation issued or a run started that its destination could not store, the
    /// refusal says so), or under none for a proven agent whose request was not described yet, as authentication's refusals
    /// are. The journal may be up while the store is down (on file or PostgreSQL); when it is not, the refusal is answered all
    /// the same (its record waits in the journal's backlog as that refusal) and the failure logged, but for an outcome its
    /// entry asks for before the response, answered 503 <c>audit_unavailable</c> (<see cref="TryRecordRefusalAsync"/>).
    /// </summary>
    private async Task RefuseStoreOutageAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var refusal = (UpstreamReach.MayHaveReached(context, feature)
            ? Refusal.StoreUnavailable() with { Detail = "The state store cannot be reached; the request may have reached the upstream.", RetryAfter = null }
            : Refusal.StoreUnavailable()) with { AuditTool = ToolOf(feature) };
        if (!Recorded(context, feature))
        {
            refusal = refusal.AuditTool is null
                ? await TryRecordUnderNoToolAsync(context, feature, refusal).ConfigureAwait(false)
                : await TryRecordRefusalAsync(context, feature, refusal).ConfigureAwait(false);
        }

        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="refusal"/> of a request not described yet recorded under no tool when a proven agent made it (as
    /// authentication records its refusals of one: one recorded once a minute only when <see cref="FirstInItsMinuteAsync"/>),
    /// or, when the journal cannot take it, logged; returned as it is.
    /// </summary>
    private async ValueTask<Refusal> TryRecordUnderNoToolAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal)
    {
        if (feature.Find<AuthenticatedRequest>()?.Identity is not { } identity)
        {
            return refusal;
        }

        MarkRecorded(context);
        if (!await FirstInItsMinuteAsync(context, refusal, identity).ConfigureAwait(false))
        {
            return refusal;
        }

        try
        {
            await _audit.RecordRefusalAsync(context, identity, tool: null, refusal.Code, refusal.Status).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or StateStoreUnavailableException)
        {
            LogRecordFailed(refusal, ex);
        }

        return refusal;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Dependency {Dependency} unavailable; request refused (fail closed)")]
    private static partial void LogDependencyUnavailable(ILogger logger, string dependency, Exception exception);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Connector {Connector} refused at execution: {Code}")]
    private static partial void LogRefusedAtExecution(ILogger logger, string connector, string code);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Error, Message = "A refusal ({Code}) was answered but could not be recorded")]
    private static partial void LogRefusalNotRecorded(ILogger logger, string code, Exception exception);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Error, Message = "A refusal ({Code}) was answered; the audit journal could not append its record now and keeps it in its backlog, as answered, until it can (unless the backlog is full)")]
    private static partial void LogRefusalBacklogged(ILogger logger, string code, Exception exception);
}
