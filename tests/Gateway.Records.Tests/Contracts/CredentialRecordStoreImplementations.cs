using Gateway.Oversight.Credentials;
using Gateway.Connectors.Vault;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

public sealed class FileCredentialRecordStoreTests : CredentialRecordStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-vault-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    protected override Task<ICredentialRecordStore> StoreAsync() => Task.FromResult<ICredentialRecordStore>(new FileCredentialStore(Path.Combine(_directory, "credentials.json")));
}

public sealed class InMemoryCredentialRecordStoreTests : CredentialRecordStoreContract
{
    protected override Task<ICredentialRecordStore> StoreAsync() => Task.FromResult<ICredentialRecordStore>(new StateStoreCredentialStore(new InMemoryStateStore()));
}

public sealed class RedisCredentialRecordStoreTests : CredentialRecordStoreContract
{
    protected override async Task<ICredentialRecordStore> StoreAsync() => new StateStoreCredentialStore(await Backends.RedisAsync());
}

public sealed class PostgresCredentialRecordStoreTests : CredentialRecordStoreContract
{
    protected override async Task<ICredentialRecordStore> StoreAsync() => new PostgresCredentialStore((await Backends.PostgresAsync()).Database);
}
