namespace Gateway.Connectors.Vault;

/// <summary>
/// Where the vault persists its encrypted records. The implementations are the host's (the gateway's
/// <c>Gateway.Oversight.Credentials</c>: PostgreSQL, the shared state store, one JSON file for the embedded default),
/// handed in through <see cref="GatewayConnectorsOptions.CredentialRecords"/>, so that connectors depend on no store project.
/// </summary>
public interface ICredentialRecordStore
{
    /// <summary>The record, or null when there never was one.</summary>
    ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="replacement"/> only while the stored record is still <paramref name="expected"/>
    /// (<see cref="CredentialRecord.IsSameWrite"/>; null: none stored), in one atomic step. False when another write came first.
    /// </summary>
    ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default);

    /// <summary>Every record of the tenant.</summary>
    ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default);
}
