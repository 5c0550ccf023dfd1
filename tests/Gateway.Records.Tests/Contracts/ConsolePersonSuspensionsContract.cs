using System.Security.Cryptography;
using System.Text;
using Gateway.Admin.Tokens;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

/// <summary>
/// What <see cref="ConsolePersonSuspensions"/> keeps in every state store: a console user is an issuer and a subject, so a
/// suspension at one issuer leaves the same subject at another; what an earlier version wrote by subject alone (the
/// mark, the subjects remembered under a person) still suspends, at every issuer. Run against each store by a subclass.
/// </summary>
public abstract class ConsolePersonSuspensionsContract
{
    private const string ProviderA = "https://idp-a.example";
    private const string ProviderB = "https://idp-b.example";

    /// <summary>A store; two calls give two clients of one shared back end.</summary>
    protected abstract Task<IKeyValueStore> StoreAsync();

    [Fact]
    public async Task IsSuspendedAsync_SameSubjectAtAnotherIssuer_IsFalse()
    {
        var (writer, reader, tenant) = (await StoreAsync(), await StoreAsync(), Backends.NewTenant());

        await ConsolePersonSuspensions.SuspendAsync(writer, tenant, ProviderA, "admin-token:bob", CancellationToken.None);

        Assert.True(await ConsolePersonSuspensions.IsSuspendedAsync(reader, tenant, ProviderA, "admin-token:bob", CancellationToken.None));
        Assert.False(await ConsolePersonSuspensions.IsSuspendedAsync(reader, tenant, ProviderB, "admin-token:bob", CancellationToken.None));
        Assert.False(await ConsolePersonSuspensions.IsSuspendedAsync(reader, tenant, "admin-token", "admin-token:bob", CancellationToken.None));
        Assert.False(await ConsolePersonSuspensions.IsSuspendedAsync(reader, Backends.NewTenant(), ProviderA, "admin-token:bob", CancellationToken.None));
    }

    [Fact]
    public async Task ResumeAsync_OneIssuer_LeavesTheSubjectSuspendedAtAnother()
    {
        var (store, tenant) = (await StoreAsync(), Backends.NewTenant());
        await ConsolePersonSuspensions.SuspendAsync(store, tenant, ProviderA, "bob", CancellationToken.None);
        await ConsolePersonSuspensions.SuspendAsync(store, tenant, ProviderB, "bob", CancellationToken.None);

        await ConsolePersonSuspensions.ResumeAsync(store, tenant, ProviderB, "bob", CancellationToken.None);

        Assert.True(await ConsolePersonSuspensions.IsSuspendedAsync(store, tenant, ProviderA, "bob", CancellationToken.None));
        Assert.False(await ConsolePersonSuspensions.IsSuspendedAsync(store, tenant, ProviderB, "bob", CancellationToken.None));
    }

    [Fact]
    public async Task IsSuspendedAsync_MarkOfTheSubjectAloneWrittenBefore_IsTrueAtEveryIssuerUntilResumed()
    {
        var (store, tenant) = (await StoreAsync(), Backends.NewTenant());
        await store.SetAsync("console:suspended:" + tenant + ":" + Sha256("bob"), "1", expiry: null);

        Assert.True(await ConsolePersonSuspensions.IsSuspendedAsync(store, tenant, ProviderA, "bob", CancellationToken.None));
        Assert.True(await ConsolePersonSuspensions.IsSuspendedAsync(store, tenant, "admin-token", "bob", CancellationToken.None));
        Assert.False(await ConsolePersonSuspensions.IsSuspendedAsync(store, tenant, ProviderA, "carol", CancellationToken.None));

        await ConsolePersonSuspensions.ResumeAsync(store, tenant, ProviderB, "bob", CancellationToken.None);

        Assert.False(await ConsolePersonSuspensions.IsSuspendedAsync(store, tenant, ProviderA, "bob", CancellationToken.None));
    }

    [Fact]
    public async Task IsPersonSuspendedAsync_UserOfThePersonSuspendedAtAnotherIssuer_IsFalseUntilTheirOwnIs()
    {
        var (store, tenant) = (await StoreAsync(), Backends.NewTenant());
        await ConsolePersonSuspensions.RememberAsync(store, tenant, "admin-token", "admin-token:bob", "bob", CancellationToken.None);
        await ConsolePersonSuspensions.RememberAsync(store, tenant, ProviderA, "admin-token:bob", "admin-token:bob", CancellationToken.None);

        await ConsolePersonSuspensions.SuspendAsync(store, tenant, ProviderA, "admin-token:bob", CancellationToken.None);

        Assert.False(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "bob", CancellationToken.None));
        Assert.True(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "admin-token:bob", CancellationToken.None));
        await ConsolePersonSuspensions.SuspendAsync(store, tenant, "admin-token", "admin-token:bob", CancellationToken.None);
        Assert.True(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "bob", CancellationToken.None));
        Assert.False(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "nobody", CancellationToken.None));
    }

    [Fact]
    public async Task IsPersonSuspendedAsync_SubjectRememberedAloneBefore_IsTrueForAMarkAtAnyIssuer()
    {
        // An earlier version remembered bob's subject under his person without its issuer: a mark at any issuer suspends him.
        var (store, tenant) = (await StoreAsync(), Backends.NewTenant());
        await store.SetAddAsync("console:person-subjects:" + tenant + ":" + Sha256("bob"), "bob", expiry: null);
        Assert.False(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "bob", CancellationToken.None));

        await ConsolePersonSuspensions.SuspendAsync(store, tenant, ProviderB, "bob", CancellationToken.None);

        Assert.True(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "bob", CancellationToken.None));
        await ConsolePersonSuspensions.ResumeAsync(store, tenant, ProviderB, "bob", CancellationToken.None);
        Assert.False(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "bob", CancellationToken.None));
        await store.SetAsync("console:suspended:" + tenant + ":" + Sha256("bob"), "1", expiry: null);
        Assert.True(await ConsolePersonSuspensions.IsPersonSuspendedAsync(store, tenant, "bob", CancellationToken.None));
    }

    private static string Sha256(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
