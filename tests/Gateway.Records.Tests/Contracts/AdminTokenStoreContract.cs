using Gateway.Admin.Tokens;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

/// <summary>What every <see cref="IAdminTokenStore"/> must do; run against each implementation by a subclass.</summary>
public abstract class AdminTokenStoreContract
{
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    /// <summary>A store; two calls give two clients of one shared back end.</summary>
    protected abstract Task<IAdminTokenStore> StoreAsync();

    /// <summary>A client whose state store goes through <paramref name="wrap"/>; a store on no state store ignores it.</summary>
    protected virtual Task<IAdminTokenStore> StoreAsync(Func<IStateStore, IStateStore> wrap) => StoreAsync();

    [Fact]
    public async Task TryAddAsync_NewName_StoresTheRecordByHashAndBindsTheName()
    {
        var store = await StoreAsync();
        var name = UniqueName();
        var hash = AdminTokenService.HashToken(AdminTokenService.NewToken());

        Assert.True(await store.TryAddAsync(hash, Record(name) with { Tenant = "acme", Person = "alice", IssuedBy = "acme-admin", InheritedMinter = "acme-admin" }));

        var read = await store.GetAsync(hash);
        Assert.Equal(name, read!.Name);
        Assert.Equal(["admin", "auditor"], read.Roles);
        Assert.Equal("acme", read.Tenant);
        Assert.Equal("alice", read.Person);
        Assert.Equal("acme-admin", read.IssuedBy);
        Assert.Equal("acme-admin", read.InheritedMinter);
        Assert.Equal(Created, read.CreatedAt);
        Assert.False(read.Revoked);
        Assert.Equal(hash, await store.FindHashAsync(AdminTokenNames.Scoped("acme", name)));
        Assert.Null(await store.FindHashAsync(name));
        Assert.Null(await store.GetAsync(AdminTokenService.HashToken("not-issued")));
    }

    [Fact]
    public async Task TryAddAsync_NameHeldByALiveToken_ChangesNothing()
    {
        var store = await StoreAsync();
        var name = UniqueName();
        var first = AdminTokenService.HashToken(AdminTokenService.NewToken());
        var second = AdminTokenService.HashToken(AdminTokenService.NewToken());
        await store.TryAddAsync(first, Record(name));

        Assert.False(await store.TryAddAsync(second, Record(name)));
        Assert.Equal(first, await store.FindHashAsync(name));
        Assert.Null(await store.GetAsync(second));
    }

    [Fact]
    public async Task TryAddAsync_OneNameInTwoTenantsAndTheOperators_BindsEachToItsOwnToken()
    {
        var store = await StoreAsync();
        var name = UniqueName();
        var acme = AdminTokenService.HashToken(AdminTokenService.NewToken());
        var globex = AdminTokenService.HashToken(AdminTokenService.NewToken());
        var operators = AdminTokenService.HashToken(AdminTokenService.NewToken());

        Assert.True(await store.TryAddAsync(acme, Record(name) with { Tenant = "acme" }));
        Assert.True(await store.TryAddAsync(globex, Record(name) with { Tenant = "globex" }));
        Assert.True(await store.TryAddAsync(operators, Record(name)));
        Assert.False(await store.TryAddAsync(AdminTokenService.HashToken(AdminTokenService.NewToken()), Record(name) with { Tenant = "acme" }));

        Assert.Equal(acme, await store.FindHashAsync(AdminTokenNames.Scoped("acme", name)));
        Assert.Equal(globex, await store.FindHashAsync(AdminTokenNames.Scoped("globex", name)));
        Assert.Equal(operators, await store.FindHashAsync(name));
        Assert.Equal(3, (await store.ListAsync()).Count(r => r.Name == name));
    }

    [Fact]
    public async Task TryAddAsync_NameOfARevokedToken_IsTakenOver()
    {
        var store = await StoreAsync();
        var name = UniqueName();
        var first = AdminTokenService.HashToken(AdminTokenService.NewToken());
        var second = AdminTokenService.HashToken(AdminTokenService.NewToken());
        await store.TryAddAsync(first, Record(name));
        await store.PutAsync(first, Record(name) with { Revoked = true, RevokedAt = Created.AddMinutes(1) }, bindName: false);

        Assert.True(await store.TryAddAsync(second, Record(name)));
        Assert.Equal(second, await store.FindHashAsync(name));
        Assert.True((await store.GetAsync(first))!.Revoked);
        Assert.Equal(Created.AddMinutes(1), (await store.GetAsync(first))!.RevokedAt);
    }

    [Fact]
    public async Task TryAddAsync_ConcurrentIssuesOfOneNameOnTwoClients_ExactlyOneWins()
    {
        var first = await StoreAsync();
        var second = await StoreAsync();
        var name = UniqueName();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? first : second).TryAddAsync(AdminTokenService.HashToken(AdminTokenService.NewToken()), Record(name)).AsTask()));

        // The key-value stores decide by set-if-absent on the name; PostgreSQL by the name's primary key.
        Assert.Single(results, won => won);
    }

    [Fact]
    public async Task TryAddAsync_ConcurrentTakeoversOfARevokedName_ExactlyOneWins()
    {
        var store = await StoreAsync();
        var name = UniqueName();
        var revoked = AdminTokenService.HashToken(AdminTokenService.NewToken());
        await store.TryAddAsync(revoked, Record(name));
        await store.PutAsync(revoked, Record(name) with { Revoked = true, RevokedAt = Created.AddMinutes(1) }, bindName: false);
        // Both issues read the name (bound to the revoked token) before either goes on: each then takes it over.
        var gate = new NameReadBarrierStore.Gate(parties: 2);
        var first = await StoreAsync(inner => NameReadBarrierStore.Wrap(inner, gate));
        var second = await StoreAsync(inner => NameReadBarrierStore.Wrap(inner, gate));
        var hashes = new[] { AdminTokenService.HashToken(AdminTokenService.NewToken()), AdminTokenService.HashToken(AdminTokenService.NewToken()) };

        var results = await Task.WhenAll(first.TryAddAsync(hashes[0], Record(name)).AsTask(), second.TryAddAsync(hashes[1], Record(name)).AsTask());

        var winner = Assert.Single(hashes.Where((_, i) => results[i]));
        var loser = Assert.Single(hashes.Where((_, i) => !results[i]));
        Assert.Equal(winner, await store.FindHashAsync(name));
        Assert.Null(await store.GetAsync(loser));
        Assert.False(Assert.Single(await store.ListAsync(), r => r.Name == name).Revoked);
    }

    [Fact]
    public async Task PutAsync_BindName_OverwritesAndListShowsTheLatestTokenOfEachName()
    {
        var store = await StoreAsync();
        var name = UniqueName();
        var first = AdminTokenService.HashToken(AdminTokenService.NewToken());
        var second = AdminTokenService.HashToken(AdminTokenService.NewToken());
        await store.PutAsync(first, Record(name), bindName: true);
        await store.PutAsync(second, Record(name) with { Roles = ["approver"] }, bindName: true);

        Assert.Equal(second, await store.FindHashAsync(name));
        var listed = Assert.Single(await store.ListAsync(), r => r.Name == name);
        Assert.Equal(["approver"], listed.Roles);
    }

    private static string UniqueName() => "tok-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task PutAsync_RecordWithAndWithoutMintedBy_ReadsAndListsEachAsStored()
    {
        var store = await StoreAsync();
        var (minted, older) = (UniqueName(), UniqueName());
        var (mintedHash, olderHash) = (AdminTokenService.HashToken(AdminTokenService.NewToken()), AdminTokenService.HashToken(AdminTokenService.NewToken()));

        await store.PutAsync(mintedHash, Record(minted) with { Tenant = "acme", IssuedBy = "acme-admin", InheritedMinter = "acme-admin", MintedBy = "acme-ops" }, bindName: true);
        await store.PutAsync(olderHash, Record(older) with { Tenant = "acme", IssuedBy = "acme-admin" }, bindName: true);

        Assert.Equal("acme-ops", (await store.GetAsync(mintedHash))!.MintedBy);
        Assert.Null((await store.GetAsync(olderHash))!.MintedBy);
        var listed = await store.ListAsync();
        Assert.Equal("acme-ops", listed.Single(r => r.Name == minted).MintedBy);
        Assert.Null(listed.Single(r => r.Name == older).MintedBy);
    }

    private static AdminTokenRecord Record(string name) => new() { Name = name, Roles = ["admin", "auditor"], CreatedAt = Created };
}
