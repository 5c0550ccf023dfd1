namespace Gateway.Oversight.Agents;

/// <summary>
/// What an agent signs with, as the policy in force registers it and the shared store's switches leave it: a secret or
/// a public key (<see cref="Kind"/>) in its current slot and, during a rotation, its next one, each named by its
/// fingerprint (a hash, never the secret). What <c>GET …/agents/{agent}/status</c> shows an operator.
/// </summary>
/// <param name="Kind"><c>secret</c> or <c>public_key</c>.</param>
/// <param name="RotationEnds">The end of the rotation's window, when a next one is registered with an end.</param>
/// <param name="Slots">The current slot, then the next one during a rotation.</param>
public sealed record AgentCredentials(string Kind, DateTimeOffset? RotationEnds, IReadOnlyList<AgentCredentialSlot> Slots)
{
    public const string Secret = "secret";
    public const string PublicKey = "public_key";
}

/// <summary>One of an agent's secrets or keys.</summary>
/// <param name="Slot"><c>current</c> (the bundle's <c>secret</c> / <c>public_key</c>) or <c>next</c>.</param>
/// <param name="Fingerprint">What names it (and what retires it): 32 lowercase hex digits.</param>
/// <param name="Accepted">Whether a request it signs is accepted now: within the rotation's window, and not retired.</param>
public sealed record AgentCredentialSlot(string Slot, string Fingerprint, bool Accepted)
{
    /// <summary>A key's <c>key_id</c>; null for a secret.</summary>
    public string? KeyId { get; init; }

    /// <summary>A key's algorithm (<c>ed25519</c>, <c>ecdsa-p256-sha256</c>); null for a secret.</summary>
    public string? Alg { get; init; }

    /// <summary>Whether an operator retired it (<c>retire-secret</c>): refused on every replica whatever the window says.</summary>
    public bool Retired { get; init; }
}
