using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The refusals of an agent the signature proved (a foreign run, a person's token refused) are recorded under that agent.
/// Authentication runs before the pipeline and its refusals never walk it: it adds its record of the refusal
/// (<see cref="AuthenticationRefusal"/>), and the Record stage's writer makes the audit entry from it and appends it
/// (<see cref="IAuthenticationRefusalRecorder"/>), the one place that appends to the chain.
/// </summary>
internal sealed partial class AgentAuthenticator
{
    /// <summary>
    /// <paramref name="refusal"/>, once recorded under <paramref name="recordedUnder"/> (the request's
    /// <see cref="AuthenticationRefusal"/>); 503 <c>audit_unavailable</c> when the journal could not take it.
    /// </summary>
    private static async ValueTask<Refusal> RecordedAsync(HttpContext context, AgentIdentity recordedUnder, Refusal refusal)
    {
        context.GatewayRequest().Add(new AuthenticationRefusal(refusal, recordedUnder));
        return await context.RequestServices.GetRequiredService<IAuthenticationRefusalRecorder>().TryRecordAsync(context).ConfigureAwait(false)
            ? refusal
            : Refusal.AuditUnavailable();
    }
}
