namespace Gateway.Oversight.Credentials;

/// <summary>A credential's metadata; never its value.</summary>
public sealed record CredentialInfo
{
    public required string Name { get; init; }

    public int Version { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public bool Revoked { get; init; }
}
