namespace Gateway.Connectors.Vault;

/// <summary>
/// Where the vault persists its encrypted records. Two implementations: <see cref="StateStoreCredentialStore"/>
/// (through <see cref="Gateway.Store.IStateStore"/>, shared by replicas) and <see cref="FileCredentialStore"/>
/// (one JSON file, the embedded default).
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
