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
    public async ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var key = StoreKeys.Credential(tenant, replacement.Name);
        var json = JsonSerializer.Serialize(replacement, CredentialRecordJson.Default.CredentialRecord);
        bool written;
        if (expected is null)
        {
            written = await _store.TrySetIfAbsentAsync(key, json, expiry: null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Compared as the stored text, so the replacement lands only over exactly what was read.
            var stored = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            written = stored is not null
                && expected.IsSameWrite(JsonSerializer.Deserialize(stored, CredentialRecordJson.Default.CredentialRecord))
                && await _store.ReplaceIfEqualAsync(key, stored, json, expiry: null, cancellationToken).ConfigureAwait(false);
        }

        if (written)
        {
            await _store.SetAddAsync(StoreKeys.Credential(tenant, IndexName), replacement.Name, expiry: null, cancellationToken).ConfigureAwait(false);
        }

        return written;
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
