using System.Diagnostics;
using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Record;

/// <summary>
/// Record: the decision goes into the audit journal before anything acts on it, with the status the
/// agent is answered with (200 for an evaluation, 409 require_approval, 403 the blocks), or 0 for a
/// decision about to be carried out, whose outcome the Respond stage records once the upstream has
/// answered. Its record, <see cref="RecordedDecision"/>, says which, with the record's explanation digest; the decision's signed receipt
/// (<see cref="GatewayRequestFeature.Receipt"/>, shared because refusals carry it too; claims made of the sealed record: <see cref="Gateway.Audit.ReceiptClaims"/>), signed with the rest of its
/// audit group and stored with it; the Respond stage sends it (the <c>Gamut-Receipt</c> header of every answer after it).
/// A record that cannot be written ends the request in a refusal (the Respond stage fails closed). It writes nothing to
/// the response. A planned admission (<see cref="AdmissionPlan"/>) is made here: in the decision record's store call
/// for a decision to be carried out (a request the store then refuses is refused after its decision, the refusal its
/// outcome), else before the record, as the Admit stage would have made it; either way on <see cref="RecordedDecision.Admission"/>.
/// </summary>
internal sealed class RecordStage
{
    private readonly RequestDelegate _next;
    private readonly AuditRecorder _audit;
    private readonly IAdmissionStore _store;
    private readonly AdmissionView _view;
    private readonly TokenBudgets _budgets;
    private readonly GatewayMetrics _metrics;

    public RecordStage(RequestDelegate next, AuditRecorder audit, IStateStore store, AdmissionView view, TokenBudgets budgets, GatewayMetrics metrics)
    {
        _budgets = budgets;
        _next = next;
        _store = store;
        _view = view;
        _audit = audit;
        _metrics = metrics;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GatewayRequest().Find<LocalDecision>() is { } local)
        {
            await RecordLocalAsync(context, local).ConfigureAwait(false);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var feature = context.GatewayRequest();
            var governed = feature.Get<GovernedDecision>();
            var (disposition, status) = Disposition(feature.Get<DescribedAction>().DecideOnly, governed);
            var identity = feature.Get<Admission>().Identity!;
            var planned = feature.Get<Admission>().Plan;
            Admission? admitted = null;
            if (planned is not null && disposition != DecisionDisposition.Execute)
            {
                // Nothing is carried out: admitted first, as ever, and a refused admission is the request's only record.
                admitted = Settled(planned, await _store.AdmitAsync(planned.Request, context.RequestAborted).ConfigureAwait(false));
                if (Refused(feature, planned, admitted) is { } first)
                {
                    await ReleaseAsync(admitted).ConfigureAwait(false);
                    feature.Add(first);
                    return;
                }

                planned = null;
            }

            // Durable, and its receipt signed with the rest of its audit group (one signature per group); a planned
            // admission made in the same store call.
            var appended = await _audit.RecordDecisionAsync(context, identity, governed, disposition, status, planned?.Request).ConfigureAwait(false);
            if (appended.Receipt is { } receipt)
            {
                feature.AddReceipt(receipt);
            }

            if (planned is not null)
            {
                admitted = Settled(planned, appended.Admission ?? throw new AuditWriteException("The admission made with the decision record was not answered."));
            }

            feature.Add(new RecordedDecision(disposition, status, appended.Record.ExplanationDigest) { Admission = admitted });
            if (planned is not null && Refused(feature, planned, admitted!) is { } refusal)
            {
                // Refused after its decision: the refusal is the decision's outcome (Respond records it, answers it and
                // gives back what the admission holds).
                feature.Add(refusal);
                return;
            }
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Record, started);
        }

        await _next(context).ConfigureAwait(false);
    }

    // The refusal of an admission the Record stage made: the store's, the block of an agent suspended since the view, or
    // a decision whose token was made with generations the store no longer holds.
    private static Refusal? Refused(GatewayRequestFeature feature, AdmissionPlan planned, Admission admission) =>
        admission.Verdict != AdmissionVerdict.Admitted ? admission.RefusalFor(planned.Tool)
        : Suspended(feature, admission, planned.Tool) ?? Outdated(feature, admission, planned.Tool);

    // A token decided on the view's generations (the provisional admission's grant) that the store read otherwise: an
    // operator suspended and resumed the agent or its tenant through another replica since this one last read them. The
    // token would be revoked on arrival, so nothing is carried out; the view now holds what the store read.
    private static Refusal? Outdated(GatewayRequestFeature feature, Admission admission, string? tool) =>
        feature.Get<GovernedDecision>().DecisionToken is not null
        && feature.Get<Admission>().TokenGrant is { } decided
        && admission.TokenGrant is { } read
        && (decided.TenantGeneration != read.TenantGeneration || decided.AgentGeneration != read.AgentGeneration)
            ? Refusal.DecisionOutdated(tool)
            : null;

    // What a request refused before its decision record holds is given back here (no decision: Respond settles nothing).
    private async ValueTask ReleaseAsync(Admission admission)
    {
        if (admission.Reservation is { Granted: true } reservation)
        {
            await _budgets.ReleaseAsync(reservation).ConfigureAwait(false);
        }
    }

    // Read, counted, and remembered as this replica's view of the agent; a refused one still holds what Respond gives back.
    private Admission Settled(AdmissionPlan planned, AdmissionOutcome outcome)
    {
        var admission = planned.Read(outcome);
        _metrics.CountAdmissionRefusal(admission.Verdict == AdmissionVerdict.Replayed, admission.Verdict == AdmissionVerdict.RateLimited ? admission.Scope : null);
        _view.Observe(planned.ViewKey, outcome);
        return admission;
    }

    // An agent (or its tenant) suspended since this replica's view (which saw no switch on) that the decision was made on:
    // the block the decision would have been (its lifecycle control failed), answered as such and recorded under the
    // tool, as the decision's outcome after a decision record, else as the request's only record.
    private static Refusal? Suspended(GatewayRequestFeature feature, Admission admission, string? tool)
    {
        if (admission.Identity is not { Suspended: true })
        {
            return null;
        }

        var (decision, explanation) = feature.Get<GovernedDecision>().AsSuspended();
        return new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.Blocked, "The agent, or its tenant, was suspended by an operator (kill switch). Nothing was forwarded.")
        {
            AuditTool = tool,
            Decision = decision,
            ExplanationJson = explanation,
        };
    }

    private static (DecisionDisposition Disposition, int StatusCode) Disposition(bool decideOnly, GovernedDecision governed) =>
        decideOnly || governed.Decision.EvaluateOnly ? (DecisionDisposition.Answer, StatusCodes.Status200OK)
        : !governed.Decision.MayExecute || governed.Entry is null
            ? (DecisionDisposition.Refuse, governed.Kind == DecisionKind.RequireApproval ? StatusCodes.Status409Conflict : StatusCodes.Status403Forbidden)
            : (DecisionDisposition.Execute, 0);

    /// <summary>
    /// A request the gateway serves itself: its entry (the refusal's, or the action's when allowed) appended before anything
    /// is carried out; refused, the walk ends with the refusal, already recorded.
    /// </summary>
    private async Task RecordLocalAsync(HttpContext context, LocalDecision decision)
    {
        var started = Stopwatch.GetTimestamp();
        var feature = context.GatewayRequest();
        try
        {
            var action = feature.Get<LocalAction>();
            if ((decision.Refused is { } refused ? refused.Entry : action.Entry) is { } entry)
            {
                await _audit.RecordLocalAsync(context, feature.Get<Admission>().Identity!, action.Tool, entry).ConfigureAwait(false);
            }

            if (decision.Refused is { } refusal)
            {
                // Recorded above when it says something about the agent; never a second time by Respond.
                feature.Add(refusal.Refusal with { AuditTool = null });
                return;
            }
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Record, started);
        }

        await _next(context).ConfigureAwait(false);
    }
}
