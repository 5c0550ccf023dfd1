using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The stage's record of a refusal (<see cref="AuthenticationChallenge"/>). The refusals of an agent the signature proved
/// (a foreign run, a person's token refused) are recorded under that agent: the record names it, and the Respond stage
/// records the refusal through the Record stage's writer before it answers. Authentication appends nothing.
/// </summary>
internal sealed partial class AgentAuthenticator
{
    /// <summary>
    /// Adds the request's <see cref="AuthenticationChallenge"/> for <paramref name="refusal"/>, with the challenge headers
    /// of a 401 on a route that takes access tokens, recorded under <paramref name="recordedUnder"/> when there is one.
    /// </summary>
    private static AuthenticationChallenge Challenge(HttpContext context, Refusal refusal, AgentIdentity? recordedUnder)
    {
        var challenge = new AuthenticationChallenge(refusal, refusal.Status == StatusCodes.Status401Unauthorized && AcceptsAccessToken(context.GetEndpoint())
            ? AccessTokenChallenge(context, refusal)
            : [])
        {
            RecordedUnder = recordedUnder,
        };
        context.GatewayRequest().Add(challenge);
        return challenge;
    }

    /// <summary><paramref name="refusal"/>, its record naming <paramref name="recordedUnder"/> (Respond records it).</summary>
    private static Refusal Recorded(HttpContext context, AgentIdentity recordedUnder, Refusal refusal) =>
        Challenge(context, refusal, recordedUnder).Refusal;
}
