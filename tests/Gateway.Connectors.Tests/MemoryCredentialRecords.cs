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

    public ValueTask PutAsync(string tenant, CredentialRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records[(tenant, record.Name)] = record;
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<CredentialRecord>>(
            [.. _records.Where(pair => pair.Key.Tenant == tenant).Select(static pair => pair.Value).OrderBy(static record => record.Name, StringComparer.Ordinal)]);
}
