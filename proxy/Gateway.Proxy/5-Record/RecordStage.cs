using Microsoft.AspNetCore.Http.Features;
using Gateway.Policy;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Record;

/// <summary>
/// Record: the decision goes into the audit journal before anything acts on it, with the status the
/// Enforce stage answers (200 for an evaluation, 409 require_approval, 403 the blocks), or 0 for a
/// decision about to execute, whose outcome Enforce records once the upstream has answered. A record
/// that cannot be written ends the request in a refusal (the fail-closed stage).
/// </summary>
internal sealed class RecordStage
{
    private readonly RequestDelegate _next;
    private readonly AuditRecorder _audit;

    public RecordStage(RequestDelegate next, AuditRecorder audit)
    {
        _next = next;
        _audit = audit;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var exchange = context.Features.GetRequiredFeature<GovernedExchange>();
        var governed = exchange.Governed!;
        var status = exchange.Route == GatewayRouteKind.Evaluate || governed.Decision.EvaluateOnly ? StatusCodes.Status200OK
            : !governed.Decision.MayExecute || governed.Entry is null
                ? governed.Kind == DecisionKind.RequireApproval ? StatusCodes.Status409Conflict : StatusCodes.Status403Forbidden
                : 0;
        await _audit.RecordDecisionAsync(context, exchange.Identity, governed, status).ConfigureAwait(false);
        await _next(context).ConfigureAwait(false);
    }
}
