using Gateway.Connectors.Vault;
using Gateway.Oversight.Credentials;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Records.Tests.Contracts;

/// <summary>What the embedded gateway's credential file keeps beyond the record-store contract: envelopes only, 0600, across instances.</summary>
public sealed class FileCredentialStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gw-vault-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task FileStore_PersistsEnvelopesOnlyAcrossInstances()
    {
        var path = Path.Combine(_directory, "credentials.json");
        var ring = new EncryptionKeyRing(DataEncryptionKey.Generate());
        string? written;
        using (var store = new FileCredentialStore(path))
        {
            await new CredentialVault(store, ring).PutAsync("acme", "openai", "sk-file-secret-123");
            written = (await store.GetAsync("acme", "openai"))!.Envelope;
        }

        var text = await File.ReadAllTextAsync(path);
        Assert.Contains("gwenc:v1:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-file-secret-123", text, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using var reopened = new FileCredentialStore(path);
        var vault = new CredentialVault(reopened, ring);
        Assert.Equal(written, (await reopened.GetAsync("acme", "openai"))!.Envelope);
        await vault.RotateAsync("acme", "openai", "sk-file-secret-456");
        Assert.Equal(2, (await vault.ListAsync("acme"))[0].Version);
    }

    [Fact]
    public void ForHost_EmbeddedWithoutPostgres_ChoosesTheFile()
    {
        var path = Path.Combine(_directory, "credentials.json");
        using var provider = new ServiceCollection().BuildServiceProvider();

        var store = Assert.IsType<FileCredentialStore>(CredentialRecordStores.ForHost(path)(provider));

        Assert.Equal(path, store.FilePath);
    }
}
