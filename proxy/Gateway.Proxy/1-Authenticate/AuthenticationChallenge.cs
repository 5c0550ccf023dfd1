using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The Authenticate stage's record when it refuses a request: the refusal it decided on and the
/// <c>WWW-Authenticate</c> values that go with it (RFC 9728's resource metadata and the OAuth error, on a route that takes
/// access tokens; none otherwise). Authentication writes nothing: the Respond stage answers with this record
/// (<see cref="Respond.AuthenticationRefusalResponder"/>).
/// </summary>
/// <param name="Refusal">What the request is refused with.</param>
/// <param name="WwwAuthenticate">The challenge headers' values, in order; empty when there are none.</param>
internal sealed record AuthenticationChallenge(Refusal Refusal, IReadOnlyList<string> WwwAuthenticate);
