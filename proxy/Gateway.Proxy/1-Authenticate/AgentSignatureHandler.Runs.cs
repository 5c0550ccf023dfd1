using Gateway.Oversight;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The run half of the agent scheme: once the signature (which covers <c>X-Gamut-Run</c>) is proven, the run the request
/// names, or the one a delegated child's grant binds it to, joins the identity (<see cref="RunAuthentication"/>). A
/// request that names no run, by a caller bound to none, touches nothing here.
/// </summary>
internal sealed partial class AgentSignatureHandler
{
    /// <summary>The identity with its run, or null after a refusal (<c>403 run_foreign</c>, recorded: <see cref="RecordedAsync"/>; 503 when the store or the journal fails).</summary>
    private async ValueTask<AgentIdentity?> AddRunAsync(HttpContext context, AgentIdentity claimed, string? run)
    {
        if (run is null && RunAuthentication.BoundRun(claimed) is null)
        {
            return claimed;
        }

        try
        {
            var (identity, refusal) = await context.RequestServices.GetRequiredService<RunAuthentication>().BindAsync(context, claimed, run).ConfigureAwait(false);
            if (refusal is not null)
            {
                refusal = await RecordedAsync(context, claimed, refusal).ConfigureAwait(false);
                Refuse(refusal.Status, refusal.Code, refusal.Detail ?? refusal.Code);
                return null;
            }

            GatewayTelemetry.SetRun(context, identity!.Run!.Id);
            return identity;
        }
        catch (StateStoreUnavailableException)
        {
            Refuse(StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable, "The state store cannot be reached.");
            return null;
        }
    }
}
