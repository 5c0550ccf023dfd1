using System.Text.Json;
using Gateway.Connectors.Vault;
using Gateway.Store;

namespace Gateway.Oversight.Credentials;

/// <summary>
/// Credential records in the <see cref="IStateStore"/> under <see cref="StoreKeys.Credential"/>, one key per
/// credential, plus a per-tenant index set (under a name no credential can have) for listing.
/// </summary>
public sealed class StateStoreCredentialStore : ICredentialRecordStore
{
    private const string IndexName = "#index";
    private readonly IStateStore _store;

    public StateStoreCredentialStore(IStateStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc/>
    public async ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default)
    {
        var json = await _store.GetAsync(StoreKeys.Credential(tenant, name), cancellationToken).ConfigureAwait(false);
        return json is null ? null : JsonSerializer.Deserialize(json, CredentialRecordJson.Default.CredentialRecord);
    }

    /// <inheritdoc/>
    public async ValueTask PutAsync(string tenant, CredentialRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var json = JsonSerializer.Serialize(record, CredentialRecordJson.Default.CredentialRecord);
        await _store.SetAsync(StoreKeys.Credential(tenant, record.Name), json, expiry: null, cancellationToken).ConfigureAwait(false);
        await _store.SetAddAsync(StoreKeys.Credential(tenant, IndexName), record.Name, expiry: null, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var names = await _store.SetMembersAsync(StoreKeys.Credential(tenant, IndexName), cancellationToken).ConfigureAwait(false);
        var records = new List<CredentialRecord>(names.Count);
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            if (await GetAsync(tenant, name, cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }
}
