using System.Text.Json.Serialization;

namespace Gateway.Connectors.Vault;

/// <summary>
/// What is persisted for one credential: metadata and the encrypted envelope (never plaintext).
/// A revoked credential keeps its metadata with no envelope, so its version history continues.
/// </summary>
public sealed record CredentialRecord
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("version")]
    public required int Version { get; init; }

    [JsonPropertyName("created_at")]
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("updated_at")]
    public required DateTimeOffset UpdatedAt { get; init; }

    [JsonPropertyName("revoked_at")]
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The <see cref="CredentialEnvelope"/> text; null once revoked.</summary>
    [JsonPropertyName("envelope")]
    public string? Envelope { get; init; }

    /// <summary>True when <paramref name="other"/> is this same write: same name, version, envelope and revocation.</summary>
    public bool IsSameWrite(CredentialRecord? other) =>
        other is not null && other.Name == Name && other.Version == Version && other.Envelope == Envelope && other.RevokedAt == RevokedAt;

    /// <inheritdoc/>
    public override string ToString() => $"CredentialRecord({Name} v{Version})";
}

/// <summary>A listing entry: name, version and timestamps. There is no value member, by design.</summary>
/// <param name="Name">Credential name.</param>
/// <param name="Version">Current version (1 on creation, +1 on every put/rotate).</param>
/// <param name="CreatedAt">When version 1 was stored.</param>
/// <param name="UpdatedAt">When the current version was stored (or the credential revoked).</param>
/// <param name="RevokedAt">When revoked; null while active.</param>
/// <param name="KeyId">The data-encryption key id of the stored envelope (for rotation audits).</param>
public sealed record CredentialInfo(string Name, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? RevokedAt, string? KeyId)
{
    /// <summary>True while the credential can be resolved.</summary>
    public bool IsActive => RevokedAt is null;
}
