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

    /// <summary>Stores (replaces) the record.</summary>
    ValueTask PutAsync(string tenant, CredentialRecord record, CancellationToken cancellationToken = default);

    /// <summary>Every record of the tenant.</summary>
    ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default);
}
