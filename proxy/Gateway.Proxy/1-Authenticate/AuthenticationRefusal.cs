using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The Authenticate stage's record when it refuses an agent the signature proved (a foreign run, a person's token
/// refused): the refusal and the agent it is recorded under (<see cref="RecordedUnder"/>: the agent that sent it, never the
/// person refused nor a run that is not the agent's). Authentication builds no audit entry: the Record stage's writer
/// makes the entry from this record and appends it (<see cref="Pipeline.IAuthenticationRefusalRecorder"/>).
/// </summary>
/// <param name="Refusal">What the request is refused with.</param>
/// <param name="RecordedUnder">The proven agent the refusal is recorded under.</param>
internal sealed record AuthenticationRefusal(Refusal Refusal, AgentIdentity RecordedUnder);
