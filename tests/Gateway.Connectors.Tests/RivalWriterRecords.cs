using Gateway.Connectors.Vault;

namespace Gateway.Connectors.Tests;

/// <summary>Records shared with another writer whose real write lands right after every read, before the reader's own write.</summary>
internal sealed class RivalWriterRecords(ICredentialRecordStore shared, Func<Task> otherWrite) : ICredentialRecordStore
{
    public async ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default)
    {
        var record = await shared.GetAsync(tenant, name, cancellationToken);
        await otherWrite();
        return record;
    }

    public ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default) =>
        shared.ReplaceAsync(tenant, expected, replacement, cancellationToken);

    public ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
        shared.ListAsync(tenant, cancellationToken);
}
