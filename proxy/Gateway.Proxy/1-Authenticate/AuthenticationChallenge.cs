using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The Authenticate stage's record when it refuses a request: the refusal it decided on, the <c>WWW-Authenticate</c> values
/// that go with it (RFC 9728's resource metadata and the OAuth error, on a route that takes access tokens; none otherwise)
/// and, for the refusal of an agent the signature proved (a foreign run, a person's token refused), the agent it is
/// recorded under. Authentication writes and records nothing: the Respond stage records and answers with this record.
/// </summary>
/// <param name="Refusal">What the request is refused with.</param>
/// <param name="WwwAuthenticate">The challenge headers' values, in order; empty when there are none.</param>
internal sealed record AuthenticationChallenge(Refusal Refusal, IReadOnlyList<string> WwwAuthenticate)
{
    /// <summary>
    /// The proven agent the refusal is recorded under: the agent that sent it, never the person refused nor a run that is
    /// not the agent's; null when nothing was proven (the refusal is not recorded).
    /// </summary>
    public AgentIdentity? RecordedUnder { get; init; }
}
