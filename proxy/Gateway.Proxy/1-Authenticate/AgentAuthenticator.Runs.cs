using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The run half of the Authenticate stage: once the signature (which covers <c>X-Gamut-Run</c>) is proven, the run the request
/// names, or the one a delegated child's grant binds it to, joins the identity (<see cref="RunAuthentication"/>). A
/// request that names no run, by a caller bound to none, touches nothing here.
/// </summary>
internal sealed partial class AgentAuthenticator
{
    /// <summary>
    /// The identity with its run, or the refusal, recorded under the proven agent by Respond (<see cref="Recorded"/>):
    /// <c>403 run_foreign</c> and 500 <c>internal_error</c> (the binding failed unexpectedly) once a minute; 503
    /// <c>store_unavailable</c> when the store fails, each time (the once-a-minute claim needs the store).
    /// </summary>
    private static async ValueTask<(AgentIdentity? Identity, Refusal? Refusal)> AddRunAsync(HttpContext context, AgentIdentity claimed, string? run)
    {
        if (run is null && RunAuthentication.BoundRun(claimed) is null)
        {
            return (claimed, null);
        }

        try
        {
            var (identity, refusal) = await context.RequestServices.GetRequiredService<RunAuthentication>().BindAsync(context, claimed, run).ConfigureAwait(false);
            if (refusal is not null)
            {
                return (null, Recorded(context, claimed, refusal with { RecordedOncePerMinute = true }));
            }

            GatewayTelemetry.SetRun(context, identity!.Run!.Id);
            return (identity, null);
        }
        catch (StateStoreUnavailableException)
        {
            return (null, Recorded(context, claimed, Refusal.StoreUnavailable()));
        }
        catch (Exception ex) when (UnexpectedAfterSignature(context, ex))
        {
            return (null, RecordedInternal(context, claimed, ex));
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/>, thrown once the signature proved the agent, is a failure its refusal is recorded
    /// for (500 <c>internal_error</c>, <see cref="RecordedInternal"/>): not a store outage (503), not the client gone.
    /// </summary>
    private static bool UnexpectedAfterSignature(HttpContext context, Exception exception) =>
        exception is not StateStoreUnavailableException && !(exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested);

    /// <summary>
    /// <see cref="Refusal.Internal"/>, logged, its record naming the proven agent <paramref name="recordedUnder"/>: Respond
    /// records it once a minute (no rate limit stops it), and all the same when the store cannot claim the minute.
    /// </summary>
    private static Refusal RecordedInternal(HttpContext context, AgentIdentity recordedUnder, Exception exception)
    {
        LogUnexpectedAfterSignature(context.RequestServices.GetRequiredService<ILogger<AgentAuthenticator>>(), exception);
        return Recorded(context, recordedUnder, Refusal.Internal() with { RecordedOncePerMinute = true });
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Authenticating a proven agent's request failed unexpectedly; it was refused (500 internal_error)")]
    private static partial void LogUnexpectedAfterSignature(ILogger logger, Exception exception);
}
