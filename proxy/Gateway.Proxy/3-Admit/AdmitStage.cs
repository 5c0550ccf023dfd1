using Microsoft.AspNetCore.Http.Features;
using Gateway.Connectors.Detection;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Admit: refuses a payload that carries secret material, then makes the request's one store call
/// (<see cref="AdmissionGate"/>): the nonce is stored if absent (a replay is 401), the agent's kill
/// switches are read and the rate-limit windows acquired (429, recorded).
/// </summary>
internal sealed class AdmitStage
{
    private readonly RequestDelegate _next;
    private readonly AdmissionGate _admission;
    private readonly AuditRecorder _audit;

    public AdmitStage(RequestDelegate next, AdmissionGate admission, AuditRecorder audit)
    {
        _next = next;
        _admission = admission;
        _audit = audit;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var exchange = context.Features.GetRequiredFeature<GovernedExchange>();
        var body = context.Features.GetRequiredFeature<GatewayRequestFeature>().Body;
        if (!body.IsEmpty && SecretMaterialDetector.Scan(body.Span) is [var finding, ..] && finding is not null)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.SecretMaterialInPayload,
                $"The payload carries provider configuration or secret material ({finding.KindName} at {finding.Path}); the gateway holds credentials, agents never send them.").ConfigureAwait(false);
            return;
        }

        var tool = exchange.Request!.Tool;
        var admission = await _admission.AdmitAsync(exchange.Tenant, exchange.Identity, tool, context.RequestAborted).ConfigureAwait(false);
        switch (admission.Verdict)
        {
            case AdmissionVerdict.Replayed or AdmissionVerdict.SecretRevoked:
                await GovernedRefusals.NotAdmittedAsync(context, admission).ConfigureAwait(false);
                return;
            case AdmissionVerdict.RateLimited:
                await _audit.RecordRefusalAsync(context, exchange.Identity, tool, ProblemCodes.RateLimited, StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
                await GovernedRefusals.RateLimitedAsync(context, admission.Scope!, admission.RetryAfter).ConfigureAwait(false);
                return;
        }

        exchange.Identity = admission.Identity!;
        await _next(context).ConfigureAwait(false);
    }
}
