using Gateway.Connectors.Vault;

namespace Gateway.Connectors.Tests;

/// <summary>Two vault writes that overlap: the one that lands second reads again, so neither is lost (until another keeps landing first).</summary>
public sealed class VaultConcurrentWriteTests
{
    [Fact]
    public async Task ReencryptAsync_RevokedBetweenListAndWrite_StaysRevoked()
    {
        var oldKey = DataEncryptionKey.Generate("old");
        var records = new InterleavingRecords();
        await new CredentialVault(records, new EncryptionKeyRing(oldKey)).PutAsync("acme", "stripe", "sk-leaked");
        var vault = new CredentialVault(records, new EncryptionKeyRing(DataEncryptionKey.Generate("new"), [oldKey]));
        records.AfterList = async () => Assert.True(await vault.RevokeAsync("acme", "stripe"));

        var reencrypted = await vault.ReencryptAsync("acme");

        Assert.Equal(0, reencrypted);
        var info = Assert.Single(await vault.ListAsync("acme"));
        Assert.False(info.IsActive);
        await Assert.ThrowsAsync<Credentials.CredentialUnavailableException>(async () => await vault.ResolveAsync("acme", "stripe"));
    }

    [Fact]
    public async Task RotateAsync_AnotherRotationBetweenReadAndWrite_BothGetVersionsOfTheirOwn()
    {
        var records = new InterleavingRecords();
        var vault = new CredentialVault(records, new EncryptionKeyRing(DataEncryptionKey.Generate()));
        await vault.PutAsync("acme", "stripe", "sk-1");
        CredentialInfo? other = null;
        records.AfterGet = async () => other = await vault.RotateAsync("acme", "stripe", "sk-2");

        var mine = await vault.RotateAsync("acme", "stripe", "sk-3");

        Assert.Equal(2, other!.Version);
        Assert.Equal(3, mine.Version);
        Assert.Equal("sk-3", (await vault.ResolveAsync("acme", "stripe")).Value);
    }

    [Theory]
    [InlineData("put")]
    [InlineData("rotate")]
    [InlineData("revoke")]
    public async Task Write_AnotherRotationLandsFirstEveryTime_ThrowsCredentialWriteConflict(string write)
    {
        var shared = new MemoryCredentialRecords();
        var ring = new EncryptionKeyRing(DataEncryptionKey.Generate());
        var other = new CredentialVault(shared, ring);
        await other.PutAsync("acme", "stripe", "sk-1");
        var rotations = 0;
        var vault = new CredentialVault(new RivalWriterRecords(shared, async () => await other.RotateAsync("acme", "stripe", $"sk-other-{++rotations}")), ring);

        var error = await Assert.ThrowsAsync<CredentialWriteConflictException>(() => WriteAsync(vault, write));

        Assert.True(rotations > 1, $"{rotations} writes of the other writer");
        Assert.DoesNotContain("sk-", error.Message, StringComparison.Ordinal);
        var info = Assert.Single(await vault.ListAsync("acme"));
        Assert.True(info.IsActive);
        Assert.Equal(1 + rotations, info.Version);
        Assert.Equal($"sk-other-{rotations}", (await vault.ResolveAsync("acme", "stripe")).Value);
    }

    private static Task WriteAsync(CredentialVault vault, string write) => write switch
    {
        "put" => vault.PutAsync("acme", "stripe", "sk-mine").AsTask(),
        "rotate" => vault.RotateAsync("acme", "stripe", "sk-mine").AsTask(),
        _ => vault.RevokeAsync("acme", "stripe").AsTask(),
    };

    /// <summary>Records in memory that run another write once, right after a read, as a concurrent caller would.</summary>
    private sealed class InterleavingRecords : ICredentialRecordStore
    {
        private readonly MemoryCredentialRecords _inner = new();

        public Func<Task>? AfterGet { get; set; }

        public Func<Task>? AfterList { get; set; }

        public async ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default)
        {
            var record = await _inner.GetAsync(tenant, name, cancellationToken);
            await RunOnce(() => AfterGet, () => AfterGet = null);
            return record;
        }

        public ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default) =>
            _inner.ReplaceAsync(tenant, expected, replacement, cancellationToken);

        public async ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default)
        {
            var records = await _inner.ListAsync(tenant, cancellationToken);
            await RunOnce(() => AfterList, () => AfterList = null);
            return records;
        }

        private static async Task RunOnce(Func<Func<Task>?> read, Action clear)
        {
            if (read() is { } action)
            {
                clear();
                await action();
            }
        }
    }
}
