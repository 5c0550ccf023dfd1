using Gateway.Oversight;
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
    /// <summary>The identity with its run, or the refusal (<c>403 run_foreign</c>, recorded by Respond once a minute: <see cref="Recorded"/>; 503 when the store fails).</summary>
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
            return (null, Refuse(StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable, "The state store cannot be reached."));
        }
    }
}
