using System.Collections.Concurrent;
using Gateway.Connectors.Vault;

namespace Gateway.Connectors.Tests;

/// <summary>
/// Records in a dictionary, for the vault's own tests: the host's real record stores (PostgreSQL, the state store, the
/// file) live outside the connectors library and pass their contract in Gateway.Records.Tests.
/// </summary>
internal sealed class MemoryCredentialRecords : ICredentialRecordStore
{
    private readonly ConcurrentDictionary<(string Tenant, string Name), CredentialRecord> _records = new();

    public ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_records.GetValueOrDefault((tenant, name)));

    public ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var key = (tenant, replacement.Name);
        var written = expected is null
            ? _records.TryAdd(key, replacement)
            : _records.TryGetValue(key, out var stored) && expected.IsSameWrite(stored) && _records.TryUpdate(key, replacement, stored);
        return ValueTask.FromResult(written);
    }

    public ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<CredentialRecord>>(
            [.. _records.Where(pair => pair.Key.Tenant == tenant).Select(static pair => pair.Value).OrderBy(static record => record.Name, StringComparer.Ordinal)]);
}
