using Gateway.Policy;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The body of <c>POST /v1/delegations</c> as read (<see cref="DelegationRequestReader"/>): the grant the parent asks for,
/// and the public key the child is to sign with, when the parent registers one instead of having a secret minted.
/// </summary>
internal sealed record DelegationRequest(DelegationGrantRequest Grant, RequestedPublicKey? PublicKey);

/// <summary>A child's public key as asked for: its algorithm and the key as a DER SubjectPublicKeyInfo (read from any form an agent's may take).</summary>
internal sealed record RequestedPublicKey(PublicKeyAlgorithm Algorithm, byte[] SubjectPublicKeyInfo)
{
    /// <summary>The key registered for the child <paramref name="child"/>: the <c>keyid</c> its signatures name is its id.</summary>
    public AgentPublicKey For(string child) => new(Algorithm, child, SubjectPublicKeyInfo);
}
