namespace Gateway.Oversight.Approvals;

/// <summary>
/// What a warrant binds: tenant (<c>tid</c>), agent (<c>aid</c>), tool, intent digest (<c>act</c>),
/// approval id (<c>apr</c>, also the single-use id), the policy digest it was approved under
/// (<c>pol</c>), the tenant's and the agent's token generations it was issued under (<c>tgn</c>, <c>agn</c>: a suspension
/// since revokes it, as it revokes decision tokens), issued-at and expiry in Unix seconds.
/// </summary>
public sealed record WarrantClaims
{
    public required string Tid { get; init; }

    public required string Aid { get; init; }

    public required string Tool { get; init; }

    public required string Act { get; init; }

    public required string Apr { get; init; }

    public required string Pol { get; init; }

    /// <summary>The tenant's token generation when the warrant was issued (a warrant without it does not read: refused).</summary>
    public required long Tgn { get; init; }

    /// <summary>The (registered) agent's token generation when the warrant was issued.</summary>
    public required long Agn { get; init; }

    public required long Iat { get; init; }

    public required long Exp { get; init; }
}
