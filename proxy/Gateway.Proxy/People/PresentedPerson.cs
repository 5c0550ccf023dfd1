using Gateway.Policy;

namespace Gateway.Proxy.People;

/// <summary>
/// The Authenticate stage's record of the person a request acts for: who (also on the identity's <c>Person</c>),
/// and the verified identity token itself, kept only for the Enforce stage to exchange for a person-scoped upstream token.
/// The token is never logged, recorded, forwarded or answered.
/// </summary>
internal sealed record PresentedPerson(ActingPerson Person, DateTimeOffset Expires)
{
    /// <summary>The identity token as sent (<c>X-Gamut-Person</c>).</summary>
    public required string Token { get; init; }

    /// <summary>Never the token.</summary>
    public override string ToString() => $"PresentedPerson {{ Subject = {Person.Subject}, Issuer = {Person.Issuer} }}";
}
