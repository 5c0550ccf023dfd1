using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond's last resort: an exception no stage turned into a refusal (a bug, a library's failure), from anywhere in the
/// walk or its answer, ends the request in a refusal Respond records and writes, as every other: 500
/// <c>internal_error</c> in the caller's format, recorded under the tool the request names (after a recorded decision to
/// be carried out, as its outcome; after a local kind's entry, right after it), or under no tool for a proven agent whose
/// request names none yet (a describer's failure: once a minute, as authentication's refusals of a proven agent), never a request forwarded on and never an answer left to the host's
/// exception handler, which would record nothing.
/// </summary>
internal sealed partial class RespondStage
{
    /// <summary>The <see cref="HttpContext.Items"/> key set once Respond recorded the request's refusal (or outcome).</summary>
    private static readonly object RefusalRecorded = new();

    /// <summary>
    /// Whether <paramref name="exception"/> is Respond's to answer: not a client gone (its own cancellation), and not a body
    /// the server refused while it was read (the host's handler answers that 400, 408 or 413, the client's fault).
    /// </summary>
    private static bool IsUnexpected(HttpContext context, Exception exception) =>
        exception is not BadHttpRequestException && !(exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested);

    /// <summary>The tool a refusal of the request is recorded under: the governed action's, or the local action's; null for none.</summary>
    private static string? ToolOf(GatewayRequestFeature feature) =>
        feature.Find<DescribedAction>()?.Request.Tool ?? feature.Find<LocalAction>()?.Tool;

    private static void MarkRecorded(HttpContext context) => context.Items[RefusalRecorded] = true;

    // Recorded already: a refusal Respond recorded (then failed to write), a forwarded request's outcome (which starts its
    // reservations' settlement, OutcomeRecorder), or the refusal its decision record went to the journal's backlog as.
    private static bool Recorded(HttpContext context, GatewayRequestFeature feature) =>
        context.Items.ContainsKey(RefusalRecorded) || feature.Find<ReservationSettlement>() is not null || AuditRecorder.DecisionBackloggedAsRefusal(feature);

    /// <summary>
    /// Answers an unexpected failure: <see cref="Refusal.Internal"/> (saying whether the upstream may have received the
    /// request), recorded as <see cref="RefuseAsync"/> records a refusal unless the request's refusal or outcome already is
    /// (under no tool for a proven agent whose request was not described yet, once a minute), then written in the
    /// caller's format. A journal that cannot take it leaves the 500 answered and the failure logged.
    /// </summary>
    private async Task RefuseUnexpectedAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var refusal = (UpstreamReach.MayHaveReached(context, feature)
            ? Refusal.Internal() with { Detail = "The gateway failed to complete the request after it was forwarded." }
            : Refusal.Internal()) with { AuditTool = ToolOf(feature) };
        if (!Recorded(context, feature))
        {
            refusal = refusal.AuditTool is null && feature.Find<RecordedDecision>() is null
                ? await TryRecordUnderNoToolAsync(context, feature, refusal with { RecordedOncePerMinute = true }).ConfigureAwait(false)
                : await TryRecordRefusalAsync(context, feature, refusal).ConfigureAwait(false);
        }

        // On the provider route, a failure before Describe is answered in the dialect its target presumes.
        ProviderDialect.PresumeFor(context);
        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a request cancelled (its <see cref="HttpContext.RequestAborted"/>: on <c>/mcp</c> the call's own lifetime,
    /// <see cref="McpCallLifetime"/>) owes its recorded decision to be carried out an outcome: none was recorded yet.
    /// </summary>
    private static bool OutcomeOwed(HttpContext context, GatewayRequestFeature feature) =>
        context.RequestAborted.IsCancellationRequested && feature.Find<RecordedDecision>() is { Disposition: DecisionDisposition.Execute } && !Recorded(context, feature);

    /// <summary>
    /// The outcome of a decision to be carried out whose request was cancelled before its outcome was recorded (the
    /// gateway ended a call on <c>/mcp</c>: <see cref="McpCallCancellation"/>; or its client went away): recorded as
    /// <see cref="RefuseAsync"/> records a refusal after a decision, 502 <c>upstream_unavailable</c> as a call's stream
    /// that ended unanswered says, invoked when the upstream may have received it. A journal that cannot take it is logged.
    /// Returns the refusal as recorded (the decision attached), which a client still connected is answered with.
    /// </summary>
    private ValueTask<Refusal> RecordEndedAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var why = feature.Find<McpCallCancellation>()?.Reason ?? "The client went away.";
        var refusal = new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The call ended before it was answered. " + why) { AuditTool = ToolOf(feature) };
        return TryRecordRefusalAsync(context, feature, refusal);
    }

    /// <summary>
    /// <paramref name="refusal"/> recorded as <see cref="RefuseAsync"/> records a refusal (the refusal as recorded), or, when the
    /// journal cannot take it, as it was, the failure logged; but an outcome its entry asks for before the response
    /// (<see cref="OutcomeBeforeResponse"/>) that the journal cannot take is answered 503 <c>audit_unavailable</c>.
    /// </summary>
    private async ValueTask<Refusal> TryRecordRefusalAsync(HttpContext context, GatewayRequestFeature feature, Refusal refusal)
    {
        try
        {
            return await RecordRefusalAsync(context, feature, refusal).ConfigureAwait(false);
        }
        catch (AuditWriteException ex) when (OutcomeBeforeResponse(feature, refusal))
        {
            // The journal's backlog records it as the request's audit_unavailable refusal (unless the call was invoked: then as
            // its outcome), as it records any outcome its entry asks for before the response: the agent is answered so.
            LogDependencyUnavailable(_logger, "audit", ex);
            return Refusal.AuditUnavailable();
        }
        catch (Exception ex) when (ex is AuditWriteException or ReceiptSigningException or StateStoreUnavailableException)
        {
            LogRecordFailed(refusal, ex);
            return refusal;
        }
    }

    /// <summary>
    /// Whether <paramref name="refusal"/> is answered as it is whether or not the journal takes its record (a state store's
    /// outage, an unexpected failure: the journal's backlog keeps such a record with its own code, <c>AuditBacklog</c>),
    /// rather than as <c>audit_unavailable</c>.
    /// </summary>
    private static bool AnsweredWhateverTheJournal(Refusal refusal) => refusal.Code is ProblemCodes.StoreUnavailable or ProblemCodes.InternalError;

    /// <summary>
    /// Whether <paramref name="refusal"/> is recorded as the outcome of the request's recorded decision (<see cref="RecordRefusalAsync"/>)
    /// and the decision's catalog entry asks for its outcome before the response (<c>audit: {outcome: before_response}</c>):
    /// such an outcome the journal cannot take answers 503 <c>audit_unavailable</c>, whatever the refusal's code.
    /// </summary>
    private static bool OutcomeBeforeResponse(GatewayRequestFeature feature, Refusal refusal) =>
        !(RecordedDecision.RefusedAfterDecision(feature) && refusal.AuditTool is not null)
        && feature.Find<RecordedDecision>() is { Disposition: DecisionDisposition.Execute or DecisionDisposition.Refuse }
        && feature.Find<GovernedDecision>()?.Entry is { OutcomeBeforeResponse: true };

    /// <summary>
    /// Logs a refusal answered whose record could not be appended: one the journal failed to write waits in its backlog
    /// (written once it recovers, unless the backlog is full); one the state store failed before the journal had it is lost.
    /// </summary>
    private void LogRecordFailed(Refusal refusal, Exception exception)
    {
        if (exception is StateStoreUnavailableException)
        {
            LogRefusalNotRecorded(_logger, refusal.Code, exception);
        }
        else
        {
            LogRefusalBacklogged(_logger, refusal.Code, exception);
        }
    }

    [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "The request failed unexpectedly; it was refused (500 internal_error)")]
    private static partial void LogUnexpectedFailure(ILogger logger, Exception exception);
}
