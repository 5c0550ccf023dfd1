using System.Text.Json;
using Gateway.Store;

namespace Gateway.Admin.Tokens;

/// <summary>
/// Admin tokens as keys of an <see cref="IStateStore"/>: <c>StoreKeys.AdminToken(hash)</c> → the record,
/// a name index <c>StoreKeys.AdminToken("name:" + scoped name)</c> → hash (<see cref="AdminTokenNames.Scoped"/>: names are
/// per tenant), the set of every scoped name <c>StoreKeys.AdminToken("names")</c>, and each tenant's own set of its names,
/// <c>StoreKeys.AdminToken("tenant-names:" + tenant)</c>, so that a tenant's tokens are read without reading another's.
/// </summary>
/// <remarks>
/// A new name goes into its tenant's set, then into <c>names</c> (which a replica of the version before tenant sets still
/// reads), then into <c>indexed-names</c>: the names already in their tenant's set. That version wrote <c>names</c> only,
/// so a tenant read first compares the sizes of <c>names</c> and <c>indexed-names</c> and, while the first is larger (names
/// written before the upgrade, or by a replica not yet upgraded, or one being written right now), puts every name still
/// missing into its tenant's set. Both sets hold <see cref="SizeProbe"/>, which no name can be, so adding it again answers
/// a set's size.
/// </remarks>
public sealed class StateStoreAdminTokenStore : IAdminTokenStore
{
    private const string SizeProbe = "#";
    private static readonly TimeSpan NameIndexLifetime = TimeSpan.FromDays(36500);
    private readonly IStateStore _store;

    public StateStoreAdminTokenStore(IStateStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    private static string NamesKey => StoreKeys.AdminToken("names");

    private static string IndexedNamesKey => StoreKeys.AdminToken("indexed-names");

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
            // A name held by a live token, or by one whose record is not written yet (a concurrent issue), stays taken.
            // A revoked one's name is taken over only while it still names that token: of two concurrent takeovers
            // one wins, and the other has written nothing yet (the name is bound before the record), so no live token
            // is left that no name reaches.
            if (previousHash is null
                || await GetAsync(previousHash, cancellationToken) is not { Revoked: true }
                || !await _store.ReplaceIfEqualAsync(nameKey, previousHash, hash, NameIndexLifetime, cancellationToken))
            {
                return false;
            }
        }

        await SetRecordAsync(hash, record, cancellationToken);
        await AddNameAsync(record.Tenant, scoped, cancellationToken);
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
            await AddNameAsync(record.Tenant, scoped, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<AdminTokenRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        await ReadAsync(await _store.SetMembersAsync(NamesKey, cancellationToken), tenant: null, anyTenant: true, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<AdminTokenRecord>> ListTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        await IndexNamesAsync(cancellationToken);
        return await ReadAsync(await _store.SetMembersAsync(TenantNamesKey(tenant), cancellationToken), tenant, anyTenant: false, cancellationToken);
    }

    // The latest token of each name (of the tenant, unless any tenant will do); a name bound to no readable token is left out.
    private async ValueTask<IReadOnlyList<AdminTokenRecord>> ReadAsync(IReadOnlyList<string> names, string? tenant, bool anyTenant, CancellationToken cancellationToken)
    {
        var records = new List<AdminTokenRecord>(names.Count);
        foreach (var name in names)
        {
            if (name != SizeProbe
                && await FindHashAsync(name, cancellationToken) is { } hash
                && await GetAsync(hash, cancellationToken) is { } record
                && (anyTenant || string.Equals(record.Tenant, tenant, StringComparison.Ordinal)))
            {
                records.Add(record);
            }
        }

        return records;
    }

    // In this order, so that a name in indexed-names is in its tenant's set and in names (which IndexNamesAsync relies on).
    private async ValueTask AddNameAsync(string? tenant, string scoped, CancellationToken cancellationToken)
    {
        if (tenant is not null)
        {
            await _store.SetAddAsync(TenantNamesKey(tenant), scoped, null, cancellationToken);
        }

        await _store.SetAddAsync(NamesKey, scoped, null, cancellationToken);
        await _store.SetAddAsync(IndexedNamesKey, scoped, null, cancellationToken);
    }

    // Puts every name that is in names but not yet in indexed-names into its tenant's set. indexed-names is read first: every
    // name in it was in names before, so names is larger exactly when it has a name indexed-names lacks (or one being added).
    private async ValueTask IndexNamesAsync(CancellationToken cancellationToken)
    {
        var indexedSize = await _store.SetAddAsync(IndexedNamesKey, SizeProbe, null, cancellationToken);
        if (indexedSize >= await _store.SetAddAsync(NamesKey, SizeProbe, null, cancellationToken))
        {
            return;
        }

        var indexed = (await _store.SetMembersAsync(IndexedNamesKey, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in await _store.SetMembersAsync(NamesKey, cancellationToken))
        {
            if (indexed.Contains(name))
            {
                continue;
            }

            // A scoped name says its tenant; a name bound before names were per tenant is its token's (one read, this once).
            string? tenant;
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                tenant = name[..slash];
            }
            else if (await FindHashAsync(name, cancellationToken) is not { } hash)
            {
                tenant = null;
            }
            else if (await GetAsync(hash, cancellationToken) is { } record)
            {
                tenant = record.Tenant;
            }
            else
            {
                // Its record is being written (a concurrent issue): left for the next read.
                continue;
            }

            await AddNameAsync(tenant, name, cancellationToken);
        }
    }

    private ValueTask SetRecordAsync(string hash, AdminTokenRecord record, CancellationToken cancellationToken) =>
        _store.SetAsync(StoreKeys.AdminToken(hash), JsonSerializer.Serialize(record, AdminJsonContext.Default.AdminTokenRecord), null, cancellationToken);

    private static string NameKey(string scopedName) => StoreKeys.AdminToken("name:" + scopedName);

    private static string TenantNamesKey(string tenant) => StoreKeys.AdminToken("tenant-names:" + tenant);
}
