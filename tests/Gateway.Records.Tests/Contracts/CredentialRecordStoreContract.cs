using Gateway.Connectors.Vault;
using Gateway.Records.Tests.Infrastructure;

namespace Gateway.Records.Tests.Contracts;

/// <summary>What every <see cref="ICredentialRecordStore"/> must do; run against each implementation by a subclass.</summary>
public abstract class CredentialRecordStoreContract
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    protected abstract Task<ICredentialRecordStore> StoreAsync();

    [Fact]
    public async Task PutAsync_ThenGet_ReturnsTheRecordAndReplacesItOnTheNextPut()
    {
        var store = await StoreAsync();
        var tenant = Backends.NewTenant();

        await store.PutAsync(tenant, Record("stripe", 1, "v1.ciphertext-1"));
        await store.PutAsync(tenant, Record("stripe", 2, "v1.ciphertext-2") with { UpdatedAt = Created.AddMinutes(5) });

        var read = await store.GetAsync(tenant, "stripe");
        Assert.Equal(2, read!.Version);
        Assert.Equal("v1.ciphertext-2", read.Envelope);
        Assert.Equal(Created, read.CreatedAt);
        Assert.Equal(Created.AddMinutes(5), read.UpdatedAt);
        Assert.Null(await store.GetAsync(tenant, "unknown"));
    }

    [Fact]
    public async Task PutAsync_Revoked_KeepsTheMetadataWithoutEnvelope()
    {
        var store = await StoreAsync();
        var tenant = Backends.NewTenant();

        await store.PutAsync(tenant, Record("stripe", 2, null) with { RevokedAt = Created.AddHours(1) });

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
        await store.PutAsync(tenant, Record("zeta", 1, "c-z"));
        await store.PutAsync(tenant, Record("alpha", 1, "c-a"));
        await store.PutAsync(other, Record("other", 1, "c-o"));

        Assert.Equal(["alpha", "zeta"], (await store.ListAsync(tenant)).Select(r => r.Name));
        Assert.Null(await store.GetAsync(tenant, "other"));
    }

    private static CredentialRecord Record(string name, int version, string? envelope) =>
        new() { Name = name, Version = version, CreatedAt = Created, UpdatedAt = Created, Envelope = envelope };
}
