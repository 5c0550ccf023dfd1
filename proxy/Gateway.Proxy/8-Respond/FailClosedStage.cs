using Gateway.Oversight.Audit;
using Gateway.Store;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Wraps the governance stages: a state store or audit journal that fails anywhere in them ends the
/// request in a refusal (503), never in a forwarded request. Other exceptions reach the host's
/// exception handler (500, nothing forwarded).
/// </summary>
internal sealed partial class FailClosedStage
{
    private readonly RequestDelegate _next;
    private readonly ILogger<FailClosedStage> _logger;

    public FailClosedStage(RequestDelegate next, ILogger<FailClosedStage> logger)
    {
        _next = next;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex) when (!context.Response.HasStarted)
        {
            LogDependencyUnavailable(_logger, "store", ex);
            await GovernedRefusals.StoreUnavailableAsync(context).ConfigureAwait(false);
        }
        catch (AuditWriteException ex) when (!context.Response.HasStarted)
        {
            LogDependencyUnavailable(_logger, "audit", ex);
            await GovernedRefusals.AuditUnavailableAsync(context).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Dependency {Dependency} unavailable; request refused (fail closed)")]
    private static partial void LogDependencyUnavailable(ILogger logger, string dependency, Exception exception);
}
