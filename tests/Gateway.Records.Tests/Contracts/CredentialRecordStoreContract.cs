using Gateway.Connectors.Vault;
using Gateway.Records.Tests.Infrastructure;

namespace Gateway.Records.Tests.Contracts;

/// <summary>What every <see cref="ICredentialRecordStore"/> must do; run against each implementation by a subclass.</summary>
public abstract class CredentialRecordStoreContract
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    protected abstract Task<ICredentialRecordStore> StoreAsync();

    [Fact]
    public async Task ReplaceAsync_ThenGet_ReturnsTheRecordAndReplacesItOverTheOneRead()
    {
        var store = await StoreAsync();
        var tenant = Backends.NewTenant();

        Assert.True(await store.ReplaceAsync(tenant, null, Record("stripe", 1, "v1.ciphertext-1")));
        Assert.True(await store.ReplaceAsync(tenant, await store.GetAsync(tenant, "stripe"), Record("stripe", 2, "v1.ciphertext-2") with { UpdatedAt = Created.AddMinutes(5) }));

        var read = await store.GetAsync(tenant, "stripe");
        Assert.Equal(2, read!.Version);
        Assert.Equal("v1.ciphertext-2", read.Envelope);
        Assert.Equal(Created, read.CreatedAt);
        Assert.Equal(Created.AddMinutes(5), read.UpdatedAt);
        Assert.Null(await store.GetAsync(tenant, "unknown"));
    }

    [Fact]
    public async Task ReplaceAsync_Revoked_KeepsTheMetadataWithoutEnvelope()
    {
        var store = await StoreAsync();
        var tenant = Backends.NewTenant();
        Assert.True(await store.ReplaceAsync(tenant, null, Record("stripe", 1, "c-1")));

        Assert.True(await store.ReplaceAsync(tenant, Record("stripe", 1, "c-1"), Record("stripe", 1, null) with { RevokedAt = Created.AddHours(1) }));

        var read = await store.GetAsync(tenant, "stripe");
        Assert.Null(read!.Envelope);
        Assert.Equal(Created.AddHours(1), read.RevokedAt);
    }

    [Fact]
    public async Task ListAsync_ReturnsTheTenantsRecordsByNameAndNoOtherTenants()
    {
        var store = await StoreAsync();
        var tenant = Backends.NewTenant();
        var other = Backends.NewTenant();
        await store.ReplaceAsync(tenant, null, Record("zeta", 1, "c-z"));
        await store.ReplaceAsync(tenant, null, Record("alpha", 1, "c-a"));
        await store.ReplaceAsync(other, null, Record("other", 1, "c-o"));

        Assert.Equal(["alpha", "zeta"], (await store.ListAsync(tenant)).Select(r => r.Name));
        Assert.Null(await store.GetAsync(tenant, "other"));
    }

    [Fact]
    public async Task ReplaceAsync_AnotherWriteCameFirst_WritesNothing()
    {
        var store = await StoreAsync();
        var tenant = Backends.NewTenant();
        var first = Record("stripe", 1, "c-1");
        Assert.True(await store.ReplaceAsync(tenant, null, first));
        var revoked = first with { Envelope = null, RevokedAt = Created.AddMinutes(1) };
        Assert.True(await store.ReplaceAsync(tenant, first, revoked));

        Assert.False(await store.ReplaceAsync(tenant, first, first with { Envelope = "c-1-resealed" }));
        Assert.False(await store.ReplaceAsync(tenant, null, Record("stripe", 1, "c-again")));
        Assert.False(await store.ReplaceAsync(tenant, Record("unknown", 1, "c-u"), Record("unknown", 2, "c-u2")));

        var read = await store.GetAsync(tenant, "stripe");
        Assert.Null(read!.Envelope);
        Assert.Equal(Created.AddMinutes(1), read.RevokedAt);
        Assert.Null(await store.GetAsync(tenant, "unknown"));
    }

    private static CredentialRecord Record(string name, int version, string? envelope) =>
        new() { Name = name, Version = version, CreatedAt = Created, UpdatedAt = Created, Envelope = envelope };
}
