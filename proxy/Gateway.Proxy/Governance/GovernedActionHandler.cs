using Microsoft.AspNetCore.Http.Features;
using Gateway.Oversight.Audit;
using Gateway.Policy;
using Gateway.Proxy.Auditing;
using Gateway.Proxy.Execution;
using Gateway.Proxy.Policy;
using Gateway.Proxy.Problems;
using Gateway.Proxy.Requests;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Governance;

/// <summary>
/// One governed request from parse to response: read the body, admit it (secret material, rate limits,
/// decision; <see cref="GovernedAdmission"/>), record the decision in the audit journal, then enforce it (decision-model §5):
/// execute the connector for the allow family, refuse with 403 or 409 otherwise. Every dependency
/// failure ends in a recorded refusal, never in an invocation.
/// </summary>
internal sealed partial class GovernedActionHandler
{
    private readonly PolicyProvider _policy;
    private readonly GovernedAdmission _admission;
    private readonly ConnectorInvoker _invoker;
    private readonly AuditRecorder _audit;
    private readonly ILogger<GovernedActionHandler> _logger;

    public GovernedActionHandler(
        PolicyProvider policy,
        GovernedAdmission admission,
        ConnectorInvoker invoker,
        AuditRecorder audit,
        ILogger<GovernedActionHandler> logger)
    {
        _policy = policy;
        _admission = admission;
        _invoker = invoker;
        _audit = audit;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context, GovernedRoute route)
    {
        var feature = context.Features.GetRequiredFeature<GatewayRequestFeature>();
        var identity = feature.Agent!;
        if (_policy.Current?.Set is not { } set || !set.TryGetTenant(identity.Tenant, out var tenant) || tenant is null)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.PolicyUnavailable,
                "No policy is loaded for this tenant; nothing was forwarded.").ConfigureAwait(false);
            return;
        }

        var read = route switch
        {
            GovernedRoute.Model => GovernedRequestReader.ReadModel(context.Request, feature.Body),
            GovernedRoute.Context => GovernedRequestReader.ReadContext(context.Request, feature.Body),
            _ => GovernedRequestReader.ReadAction(context.Request, feature.Body),
        };
        if (read.Request is not { } request)
        {
            await ProblemResponse.WriteAsync(context, read.Status, read.Code!, read.Detail!).ConfigureAwait(false);
            return;
        }

        GatewayTelemetry.SetTool(context, request.Tool);
        try
        {
            if (await _admission.DecideAsync(context, tenant, identity, request, feature.Body).ConfigureAwait(false) is not { } governed)
            {
                return;
            }

            if (route == GovernedRoute.Evaluate || governed.Decision.EvaluateOnly)
            {
                await _audit.RecordDecisionAsync(context, identity, governed, StatusCodes.Status200OK).ConfigureAwait(false);
                await DecisionResponseWriter.WriteDecisionAsync(context, governed, invoked: false).ConfigureAwait(false);
                return;
            }

            if (await _admission.RefuseUnlessExecutableAsync(context, identity, governed).ConfigureAwait(false))
            {
                return;
            }

            // The decision is on record before anything is executed.
            await _audit.RecordDecisionAsync(context, identity, governed, statusCode: 0).ConfigureAwait(false);
            var invocation = await _invoker.InvokeAsync(context, tenant, identity, governed, request, route).ConfigureAwait(false);
            await _audit.RecordOutcomeAsync(context, identity, governed, invocation).ConfigureAwait(false);
            if (invocation.Refusal is { } refusal)
            {
                if (refusal.RetryAfter is { } retry)
                {
                    GovernedRefusals.SetRetryAfter(context.Response, retry);
                }

                await ProblemResponse.WriteAsync(context, refusal.Status, refusal.Code, refusal.Detail, WireNames.Of(governed.Kind), governed.ExplanationJson,
                    static writer => writer.WriteBoolean("invoked"u8, false)).ConfigureAwait(false);
                return;
            }

            await DecisionResponseWriter.WriteDecisionAsync(context, governed, invoked: true, invocation.ResultJson, invocation.UpstreamStatus).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex)
        {
            LogDependencyUnavailable(_logger, "store", ex);
            await GovernedRefusals.StoreUnavailableAsync(context).ConfigureAwait(false);
        }
        catch (AuditWriteException ex)
        {
            LogDependencyUnavailable(_logger, "audit", ex);
            await GovernedRefusals.AuditUnavailableAsync(context).ConfigureAwait(false);
        }
    }
    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Dependency {Dependency} unavailable; request refused (fail closed)")]
    private static partial void LogDependencyUnavailable(ILogger logger, string dependency, Exception exception);
}
