namespace Gamut.Agent;

/// <summary>
/// What a parent asks for a delegated child (<see cref="GamutClient.DelegateAsync"/>): a subset of its own tool
/// permissions, and optionally a lower ATF level and data-class ceiling, a shorter life, the run it is for, and whether the
/// child may delegate further. Anything beyond the parent is refused (403 <c>delegation_widens_authority</c>).
/// </summary>
public sealed record DelegationGrant
{
    /// <summary>The child's name, for people reading the chain (1 to 128 of <c>[A-Za-z0-9._:@ -]</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The tools the child may use, each one the parent holds.</summary>
    public required IReadOnlyList<DelegatedPermission> Permissions { get; init; }

    /// <summary><c>L1</c>..<c>L4</c>, at most the parent's (default: the parent's).</summary>
    public string? AtfLevel { get; init; }

    /// <summary>The most sensitive data class the child may touch (<c>public</c> &lt; <c>internal</c> &lt; <c>confidential</c> &lt; <c>pii</c> &lt; <c>restricted</c> &lt; <c>top_secret</c>).</summary>
    public string? DataClassCeiling { get; init; }

    /// <summary>How long the child lives (whole seconds; default: the longest the tenant and the parent allow, 15 min by default).</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>The run the child is issued for; named in every decision and record it makes.</summary>
    public string? RunId { get; init; }

    /// <summary>Whether the child may issue children of its own (within the tenant's depth limit).</summary>
    public bool MayDelegate { get; init; }

    /// <summary>
    /// The child's own Ed25519 or ECDSA P-256 private key (PEM or base64 PKCS#8), when the child is to sign with a key pair
    /// instead of a secret: its public half is registered with the grant, no secret is minted, and the child client signs
    /// with the RFC 9421 profile under its own id as key id. Never sent, and never printed by <see cref="ToString"/>.
    /// </summary>
    public string? PrivateKey { get; init; }

    public override string ToString() => $"DelegationGrant {{ Name = {Name}, Tools = {Permissions.Count}, KeyPair = {PrivateKey is not null} }}";
}

/// <summary>One tool granted to a child; <paramref name="ActionTypes"/> null: the parent's on that tool.</summary>
public sealed record DelegatedPermission(string Tool, IReadOnlyList<string>? ActionTypes = null);

/// <summary>A delegated child identity as the gateway issued it (its secret, or its private key, is held by its client only).</summary>
/// <param name="AgentId">The child's agent id (<c>dlg-…</c>).</param>
/// <param name="Name">The child's name, as the parent gave it.</param>
/// <param name="Parent">The agent (or child) that issued it.</param>
/// <param name="Depth">Delegations between the registered agent and the child.</param>
/// <param name="ExpiresAt">When the child stops existing.</param>
public sealed record GamutDelegation(string AgentId, string Name, string Parent, int Depth, DateTimeOffset ExpiresAt)
{
    /// <summary>For a child registered with a public key, the key's fingerprint as the gateway names it; null for a secret child.</summary>
    public string? KeyFingerprint { get; init; }
}
