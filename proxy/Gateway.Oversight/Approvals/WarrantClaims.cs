namespace Gateway.Oversight.Approvals;

/// <summary>
/// What a warrant binds: tenant (<c>tid</c>), agent (<c>aid</c>), tool, intent digest (<c>act</c>),
/// approval id (<c>apr</c>, also the single-use id), the policy digest it was approved under
/// (<c>pol</c>), issued-at and expiry in Unix seconds.
/// </summary>
public sealed record WarrantClaims
{
    public required string Tid { get; init; }

    public required string Aid { get; init; }

    public required string Tool { get; init; }

    public required string Act { get; init; }

    public required string Apr { get; init; }

    public required string Pol { get; init; }

    public required long Iat { get; init; }

    public required long Exp { get; init; }
}
