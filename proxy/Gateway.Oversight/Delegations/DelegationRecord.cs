using System.Text.Json.Serialization;
using Gateway.Policy;

namespace Gateway.Oversight.Delegations;

/// <summary>
/// A delegated child identity as the shared store keeps it (<c>StoreKeys.Delegation</c>, expiring with the child): its
/// grant, its place in the actor chain, and either its secret, encrypted under the gateway's data key (never in clear), or
/// the public key it was registered with.
/// </summary>
public sealed record DelegationRecord
{
    /// <summary>The child's agent id (<see cref="DelegationIds"/>).</summary>
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    /// <summary>The workspace the child acts in: its parent's.</summary>
    public required string Workspace { get; init; }

    public required string Name { get; init; }

    /// <summary>Who issued it: a registered agent or another child.</summary>
    public required string Parent { get; init; }

    /// <summary>The actor chain ending in this child (its registered agent, then each child down to it).</summary>
    public required IReadOnlyList<ActorLink> Chain { get; init; }

    /// <summary>The tools granted and the action types on each.</summary>
    public required IReadOnlyList<DelegatedTool> Permissions { get; init; }

    public required AtfLevel AtfLevel { get; init; }

    public required DataClass DataClassCeiling { get; init; }

    public string? RunId { get; init; }

    public bool MayDelegate { get; init; }

    /// <summary>Delegations between the registered agent and this child (1 for the agent's own child).</summary>
    public required int Depth { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The registered agent's delegation generation at issue: raising it revokes the child.</summary>
    public long Generation { get; init; }

    /// <summary>
    /// The fingerprint of the parent's secret that signed the delegation, when the parent is a registered agent: retiring
    /// that secret retires the child with it.
    /// </summary>
    public string? IssuerSecretFingerprint { get; init; }

    /// <summary>
    /// The child's secret in the vault's AES-256-GCM envelope, bound to the tenant and the child's id; null for a child
    /// registered with a <see cref="PublicKey"/>.
    /// </summary>
    public string? SecretEnvelope { get; init; }

    /// <summary>The public key the child signs with (RFC 9421, its <c>keyid</c> the child's id) instead of a secret; null otherwise.</summary>
    public DelegatedPublicKey? PublicKey { get; init; }

    /// <summary>The registered agent at the root of the chain.</summary>
    [JsonIgnore]
    public string Agent => ActorChain.From(Chain).Agent;

    /// <summary>The ids of the children above this one (its ancestors, the registered agent excluded), root first.</summary>
    [JsonIgnore]
    public IEnumerable<string> AncestorDelegates => Chain.Where(static l => l.Kind == ActorKind.Delegate).Select(static l => l.Id).SkipLast(1);

    /// <summary>The scope the decision engine narrows the registered agent's entry by.</summary>
    public DelegationScope Scope() => new()
    {
        Agent = Agent,
        Name = Name,
        Permissions = [.. Permissions.Select(static p => new ToolPermission { Tool = p.Tool, ActionTypes = p.ActionTypes })],
        AtfLevel = AtfLevel,
        DataClassCeiling = DataClassCeiling,
    };

    /// <summary>What the admin API and the issuing agent are shown: everything but the secret (a key child's key by its fingerprint).</summary>
    public DelegationInfo Info() => new(Id, Name, Parent, Chain, Permissions, AtfLevel, DataClassCeiling, RunId, MayDelegate, Depth, CreatedAt, ExpiresAt)
    {
        PublicKey = PublicKey is { } key ? new DelegatedKeyInfo(key.Algorithm, Id, key.Fingerprint) : null,
    };
}

/// <summary>
/// A child's registered public key as stored: its algorithm, the key (base64 of its DER SubjectPublicKeyInfo) and its
/// fingerprint (how the admin API and the issuing agent name it, as an agent's key is named). Public: nothing here is secret.
/// </summary>
public sealed record DelegatedPublicKey(PublicKeyAlgorithm Algorithm, string Key, string Fingerprint);

/// <summary>A key child's key as shown: its algorithm, the <c>keyid</c> its signatures name (the child's id) and its fingerprint.</summary>
public sealed record DelegatedKeyInfo(
    [property: JsonPropertyName("alg")] PublicKeyAlgorithm Algorithm,
    string KeyId,
    string Fingerprint);

/// <summary>One tool granted to a child, with the action types on it.</summary>
public sealed record DelegatedTool(string Tool, IReadOnlyList<ActionType> ActionTypes);

/// <summary>A delegation as listed: the record without its secret.</summary>
public sealed record DelegationInfo(
    string Agent,
    string Name,
    string Parent,
    IReadOnlyList<ActorLink> Chain,
    IReadOnlyList<DelegatedTool> Permissions,
    AtfLevel AtfLevel,
    DataClass DataClassCeiling,
    string? RunId,
    bool MayDelegate,
    int Depth,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>For a child registered with a public key, that key (never the secret of a secret child); null otherwise.</summary>
    public DelegatedKeyInfo? PublicKey { get; init; }
}

/// <summary>
/// The answer to <c>POST /v1/delegations</c> (201): the child's id and its secret, the only time the secret is ever
/// shown, with the grant as stored. The child signs its own requests with them, as any agent does. A child registered
/// with a public key is given no secret (<see cref="Secret"/> null): the grant names its key by its fingerprint.
/// </summary>
public sealed record DelegationIssued(string Tenant, string Workspace, string Agent, string? Secret, DelegationInfo Delegation)
{
    public override string ToString() => $"DelegationIssued({Tenant}/{Agent})";
}
