using System.Diagnostics;
using Gateway.Policy;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Record;

/// <summary>
/// Record: the decision goes into the audit journal before anything acts on it, with the status the
/// agent is answered with (200 for an evaluation, 409 require_approval, 403 the blocks), or 0 for a
/// decision about to be carried out, whose outcome the Respond stage records once the upstream has
/// answered. Its record, <see cref="RecordedDecision"/>, says which, with the record's explanation digest; the decision's signed receipt
/// (<see cref="GatewayRequestFeature.Receipt"/>, shared because refusals carry it too; claims made of the sealed record: <see cref="Gateway.Audit.ReceiptClaims"/>), signed with the rest of its
/// audit group and stored with it; the Respond stage sends it (the <c>Gamut-Receipt</c> header of every answer after it).
/// A record that cannot be written ends the request in a refusal (the Respond stage fails closed). It writes nothing to
/// the response.
/// </summary>
internal sealed class RecordStage
{
    private readonly RequestDelegate _next;
    private readonly AuditRecorder _audit;
    private readonly GatewayMetrics _metrics;

    public RecordStage(RequestDelegate next, AuditRecorder audit, GatewayMetrics metrics)
    {
        _next = next;
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
            // Durable, and its receipt signed with the rest of its audit group (one signature per group).
            var appended = await _audit.RecordDecisionAsync(context, identity, governed, disposition, status).ConfigureAwait(false);
            if (appended.Receipt is { } receipt)
            {
                feature.AddReceipt(receipt);
            }

            feature.Add(new RecordedDecision(disposition, status, appended.Record.ExplanationDigest));
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Record, started);
        }

        await _next(context).ConfigureAwait(false);
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
