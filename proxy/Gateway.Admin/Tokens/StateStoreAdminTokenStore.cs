using System.Text.Json;
using Gateway.Store;

namespace Gateway.Admin.Tokens;

/// <summary>
/// Admin tokens as keys of an <see cref="IStateStore"/>: <c>StoreKeys.AdminToken(hash)</c> → the record,
/// a name index <c>StoreKeys.AdminToken("name:" + scoped name)</c> → hash (<see cref="AdminTokenNames.Scoped"/>: names are
/// per tenant), and the set of scoped names <c>StoreKeys.AdminToken("names")</c>.
/// </summary>
public sealed class StateStoreAdminTokenStore : IAdminTokenStore
{
    private static readonly TimeSpan NameIndexLifetime = TimeSpan.FromDays(36500);
    private readonly IStateStore _store;

    public StateStoreAdminTokenStore(IStateStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    private static string NamesKey => StoreKeys.AdminToken("names");

    /// <inheritdoc/>
    public async ValueTask<AdminTokenRecord?> GetAsync(string hash, CancellationToken cancellationToken = default)
    {
        var json = await _store.GetAsync(StoreKeys.AdminToken(hash), cancellationToken);
        return json is null ? null : JsonSerializer.Deserialize(json, AdminJsonContext.Default.AdminTokenRecord);
    }

    /// <inheritdoc/>
    public ValueTask<string?> FindHashAsync(string scopedName, CancellationToken cancellationToken = default) =>
        _store.GetAsync(NameKey(scopedName), cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<bool> TryAddAsync(string hash, AdminTokenRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var scoped = AdminTokenNames.Scoped(record.Tenant, record.Name);
        var nameKey = NameKey(scoped);
        if (!await _store.TrySetIfAbsentAsync(nameKey, hash, NameIndexLifetime, cancellationToken))
        {
            var previousHash = await _store.GetAsync(nameKey, cancellationToken);
            var previous = previousHash is null ? null : await GetAsync(previousHash, cancellationToken);
            // A name held by a live token, or by one whose record is not written yet (a concurrent issue), stays taken.
            if (previous is not { Revoked: true })
            {
                return false;
            }

            await _store.SetAsync(nameKey, hash, NameIndexLifetime, cancellationToken);
        }

        await SetRecordAsync(hash, record, cancellationToken);
        await _store.SetAddAsync(NamesKey, scoped, null, cancellationToken);
        return true;
    }

    /// <inheritdoc/>
    public async ValueTask PutAsync(string hash, AdminTokenRecord record, bool bindName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var scoped = AdminTokenNames.Scoped(record.Tenant, record.Name);
        if (bindName)
        {
            await _store.SetAsync(NameKey(scoped), hash, NameIndexLifetime, cancellationToken);
        }

        await SetRecordAsync(hash, record, cancellationToken);
        if (bindName)
        {
            await _store.SetAddAsync(NamesKey, scoped, null, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<AdminTokenRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var names = await _store.SetMembersAsync(NamesKey, cancellationToken);
        var records = new List<AdminTokenRecord>(names.Count);
        foreach (var name in names)
        {
            if (await FindHashAsync(name, cancellationToken) is { } hash && await GetAsync(hash, cancellationToken) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    private ValueTask SetRecordAsync(string hash, AdminTokenRecord record, CancellationToken cancellationToken) =>
        _store.SetAsync(StoreKeys.AdminToken(hash), JsonSerializer.Serialize(record, AdminJsonContext.Default.AdminTokenRecord), null, cancellationToken);

    private static string NameKey(string scopedName) => StoreKeys.AdminToken("name:" + scopedName);
}
