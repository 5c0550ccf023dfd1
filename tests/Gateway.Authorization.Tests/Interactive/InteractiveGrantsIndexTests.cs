using Gateway.Authorization.Interactive;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// The person's consent index and a consent's token-family index (<see cref="InteractiveGrants"/>) hold only what still
/// exists, on the embedded store (families ending on its clock) and on a real redis-server (families revoked one by one, as
/// a replayed refresh token revokes them): a revoked consent leaves its index, each new family drops the ended ones (one
/// whose code expired unredeemed is ended when the index is full, one redeemed on a previous-release replica stays), a
/// revocation still ends every live family, and a consent already holding the most live families refuses another.
/// </summary>
public sealed class InteractiveGrantsIndexTests : InteractiveGrantsFixture
{
    [Fact]
    public async Task StartFamily_FiftyTimesAsEarlierFamiliesEnd_IndexHoldsOnlyLiveFamiliesAndRevocationEndsThem()
    {
        var store = new InMemoryStateStore(Clock);
        var grants = new InteractiveGrants(store, Clock);
        var families = new List<string> { await ConsentAsync(grants, Client) };
        for (var i = 0; i < 50; i++)
        {
            Clock.Advance(TimeSpan.FromMinutes(25));
            families.Add(await StartRedeemedAsync(grants, Client, Clock.GetUtcNow().AddHours(1)));
        }

        // The consent's first family (30 days) and the three started within the last hour.
        var live = families.Take(1).Concat(families.TakeLast(3)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(live, await store.SetMembersAsync(InteractiveGrants.ConsentFamiliesKey(Tenant, Issuer, Subject, Client)));

        Assert.Equal(1, await grants.RevokeConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None));
        foreach (var family in live)
        {
            Assert.False(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
        }
    }

    [Fact]
    public async Task StartFamily_OnRedisFiftyTimesEachRevokingTheLast_IndexHoldsOnlyTheLiveFamily()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = redis.Endpoint, ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10) });
        var grants = new InteractiveGrants(store, TimeProvider.System);
        await grants.SaveConsentAsync(Tenant, Issuer, Subject, new PersonConsent(Client, "default", "assistant", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)), CancellationToken.None);
        string? last = null;
        for (var i = 0; i < 50; i++)
        {
            if (last is not null)
            {
                // Revoked by its id alone (a replayed refresh token): the next family's start drops it from the index.
                await grants.RevokeFamilyAsync(last, CancellationToken.None);
            }

            last = await grants.StartFamilyAsync(Tenant, Issuer, Subject, Client, DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None);
        }

        Assert.Equal([last!], await store.SetMembersAsync(InteractiveGrants.ConsentFamiliesKey(Tenant, Issuer, Subject, Client)));
        Assert.True(await grants.RevokeConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None));
        Assert.False(await grants.IsFamilyLiveAsync(last!, CancellationToken.None));
    }

    [Fact]
    public async Task RevokeConsent_OneClient_LeavesThePersonsConsentIndex()
    {
        var store = new InMemoryStateStore(Clock);
        var grants = new InteractiveGrants(store, Clock);
        await ConsentAsync(grants, "kept");
        await ConsentAsync(grants, "revoked");

        Assert.True(await grants.RevokeConsentAsync(Tenant, Issuer, Subject, "revoked", CancellationToken.None));

        Assert.Equal(["kept"], await store.SetMembersAsync(InteractiveGrants.ConsentIndexKey(Tenant, Issuer, Subject)));
    }

    [Fact]
    public async Task StartFamily_UnredeemedFamilyExpiresWithCode()
    {
        // A remembered consent gives a code (and starts a family) for every authorization a page sends the browser through;
        // no client redeems them (some never get their code: the request ended first). One code is redeemed on a replica of
        // the previous release, which never extends or marks the family.
        var store = new InMemoryStateStore(Clock);
        var grants = new InteractiveGrants(store, Clock);
        var redeemed = await ConsentAsync(grants, Client);
        var ends = Clock.GetUtcNow().AddHours(8);
        var unredeemed = new List<string>();
        string? byPreviousRelease = null;
        for (var i = 1; i < InteractiveGrants.MaxIndexed; i++)
        {
            var family = await grants.StartFamilyAsync(Tenant, Issuer, Subject, Client, ends, CancellationToken.None);
            var code = i % 10 == 0 ? null : await grants.IssueCodeAsync(Grant(family, ends), CancellationToken.None);
            if (i == 501)
            {
                Assert.Equal(family, (await PreviousReleaseRedeemCodeAsync(store, code!))?.Family);
                byPreviousRelease = family;
            }
            else
            {
                unredeemed.Add(family);
            }
        }

        // While their codes may still be redeemed they count.
        await Assert.ThrowsAsync<InteractiveIndexFullException>(async () =>
            await grants.StartFamilyAsync(Tenant, Issuer, Subject, Client, ends, CancellationToken.None));

        // Well past the codes' lifetime: those families ended with their codes, and the index has room again; the one
        // redeemed on the previous release stays live and indexed.
        Clock.Advance(TimeSpan.FromMinutes(2));
        var next = await StartRedeemedAsync(grants, Client, Clock.GetUtcNow().AddHours(8));
        foreach (var family in unredeemed)
        {
            Assert.False(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
        }

        Assert.Equal(new[] { redeemed, byPreviousRelease!, next }.Order(StringComparer.Ordinal), await store.SetMembersAsync(InteractiveGrants.ConsentFamiliesKey(Tenant, Issuer, Subject, Client)));
        Clock.Advance(TimeSpan.FromHours(1));
        foreach (var family in new[] { redeemed, byPreviousRelease!, next })
        {
            Assert.True(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
        }

        Assert.Equal(1, await grants.RevokeConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None));
        Assert.False(await grants.IsFamilyLiveAsync(next, CancellationToken.None));
        Assert.False(await grants.IsFamilyLiveAsync(byPreviousRelease!, CancellationToken.None));
    }

    [Fact]
    public async Task StartFamily_ConsentHoldingTheMostLiveFamilies_IsRefusedAndForgetsNone()
    {
        var store = new InMemoryStateStore(Clock);
        var grants = new InteractiveGrants(store, Clock);
        await ConsentAsync(grants, Client);
        var index = InteractiveGrants.ConsentFamiliesKey(Tenant, Issuer, Subject, Client);
        for (var i = 1; i < InteractiveGrants.MaxIndexed; i++)
        {
            await store.SetAsync(InteractiveGrants.FamilyKey("family" + i), "1", TimeSpan.FromDays(1));
            await store.SetAddAsync(index, "family" + i, TimeSpan.FromDays(30));
        }

        await Assert.ThrowsAsync<InteractiveIndexFullException>(async () =>
            await grants.StartFamilyAsync(Tenant, Issuer, Subject, Client, Clock.GetUtcNow().AddHours(1), CancellationToken.None));
        Assert.Equal(InteractiveGrants.MaxIndexed, (await store.SetMembersAsync(index)).Count);

        // One ends: there is room again.
        await grants.RevokeFamilyAsync("family1", CancellationToken.None);
        Assert.NotNull(await grants.StartFamilyAsync(Tenant, Issuer, Subject, Client, Clock.GetUtcNow().AddHours(1), CancellationToken.None));
        Assert.Equal(InteractiveGrants.MaxIndexed, (await store.SetMembersAsync(index)).Count);
    }
}
