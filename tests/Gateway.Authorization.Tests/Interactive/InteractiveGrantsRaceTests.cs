using Gateway.Authorization.Interactive;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A token family started under a consent (<see cref="InteractiveGrants.StartFamilyUnderConsentAsync"/>, the consent page's
/// code) while the consent is revoked (the clients page, a back-channel logout): the revocation, which lists the consent's
/// families, may run before the new family is indexed; the start checks the consent again after it, so no code is given for
/// a family the revocation missed, and that family is not live. What came first is the store's order (the consent's
/// generation), never a replica's clock: a replica whose clock is ahead of the revoking one's gains nothing.
/// </summary>
public sealed class InteractiveGrantsRaceTests : InteractiveGrantsFixture
{
    /// <summary>How far the consenting replica's clock is ahead of the revoking replica's.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task StartFamilyUnderConsent_ConsentRevokedBeforeTheFamilyIsIndexed_TheCodeGivesNoToken()
    {
        var (store, hold) = HeldCallStore.Wrap(new InMemoryStateStore(Clock), nameof(IKeyValueStore.SetAsync), "oauth:family:");
        var grants = new InteractiveGrants(store, Clock);
        var ends = Clock.GetUtcNow().AddHours(8);
        await grants.SaveConsentAsync(Tenant, Issuer, Subject, new PersonConsent(Client, "default", "assistant", Clock.GetUtcNow(), ends), CancellationToken.None);
        // The remembered consent, as the consent page reads it before it issues a code with no page shown.
        var consent = await grants.GetConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var starting = grants.StartFamilyUnderConsentAsync(Tenant, Issuer, Subject, consent!, ends, CancellationToken.None).AsTask();
        await hold.Reached.Task;
        Assert.True(await grants.RevokeConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None));
        hold.Release.SetResult();
        var family = await starting;

        // The code the page would give for what the start answered: its exchange finds no live family (invalid_grant).
        var code = family is null ? null : await grants.IssueCodeAsync(Grant(family, ends), CancellationToken.None);
        Assert.Null(await grants.RedeemCodeAsync(code, CancellationToken.None));
        Assert.Null(await store.GetAsync(hold.HeldKey!));
    }

    [Fact]
    public async Task StartFamilyUnderConsent_ConsentsRevokedWhileTheConsentIsIndexed_StartsNoFamilyAndTheConsentIsGone()
    {
        // A back-channel logout walks the person's consent index while the consent page's consent is written but not yet indexed.
        var (store, hold) = HeldCallStore.Wrap(new InMemoryStateStore(Clock), nameof(IKeyValueStore.SetAddAsync), "oauth:consents:");
        var grants = new InteractiveGrants(store, Clock);
        var ends = Clock.GetUtcNow().AddHours(8);
        var consent = new PersonConsent(Client, "default", "assistant", Clock.GetUtcNow(), ends);

        var saving = grants.SaveConsentAsync(Tenant, Issuer, Subject, consent, CancellationToken.None).AsTask();
        await hold.Reached.Task;
        Clock.Advance(TimeSpan.FromSeconds(1));
        await grants.RevokeConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None);
        hold.Release.SetResult();
        await saving;
        var family = await grants.StartFamilyUnderConsentAsync(Tenant, Issuer, Subject, consent, ends, CancellationToken.None);

        Assert.Null(family);
        Assert.Null(await grants.GetConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None));
        Assert.Empty(await grants.ListConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None));
    }

    [Fact]
    public async Task StartFamilyUnderConsent_ConsentsRevokedOnAReplicaWhoseClockIsBehind_StartsNoFamily()
    {
        // Replica A (its clock ahead) writes the consent; replica B walks the person's consent index before A indexes it.
        var (store, hold) = HeldCallStore.Wrap(new InMemoryStateStore(Clock), nameof(IKeyValueStore.SetAddAsync), "oauth:consents:");
        var ahead = new ManualTimeProvider(Clock.GetUtcNow() + Skew);
        var (a, b) = (new InteractiveGrants(store, ahead), new InteractiveGrants(store, Clock));
        var ends = ahead.GetUtcNow().AddHours(8);
        var consent = new PersonConsent(Client, "default", "assistant", ahead.GetUtcNow(), ends);

        var saving = a.SaveConsentAsync(Tenant, Issuer, Subject, consent, CancellationToken.None).AsTask();
        await hold.Reached.Task;
        Clock.Advance(TimeSpan.FromSeconds(1));
        await b.RevokeConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None);
        hold.Release.SetResult();
        await saving;

        Assert.Null(await a.StartFamilyUnderConsentAsync(Tenant, Issuer, Subject, consent, ends, CancellationToken.None));
        Assert.Null(await a.GetConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None));
        Assert.Empty(await b.ListConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None));
    }

    [Fact]
    public async Task StartFamilyUnderConsent_ConsentRevokedOnAReplicaWhoseClockIsBehindWhileItIsWritten_StartsNoFamily()
    {
        // Replica A (its clock ahead) has read the consent generations and is writing the consent when replica B revokes it.
        var (store, hold) = HeldCallStore.Wrap(new InMemoryStateStore(Clock), nameof(IKeyValueStore.SetAsync), "oauth:consent:");
        var ahead = new ManualTimeProvider(Clock.GetUtcNow() + Skew);
        var (a, b) = (new InteractiveGrants(store, ahead), new InteractiveGrants(store, Clock));
        var ends = ahead.GetUtcNow().AddHours(8);
        var consent = new PersonConsent(Client, "default", "assistant", ahead.GetUtcNow(), ends);

        var saving = a.SaveConsentAsync(Tenant, Issuer, Subject, consent, CancellationToken.None).AsTask();
        await hold.Reached.Task;
        Clock.Advance(TimeSpan.FromSeconds(1));
        await b.RevokeConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None);
        hold.Release.SetResult();
        await saving;

        Assert.Null(await a.StartFamilyUnderConsentAsync(Tenant, Issuer, Subject, consent, ends, CancellationToken.None));
        Assert.Null(await b.GetConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None));
    }

    [Fact]
    public async Task SaveConsent_AfterARevocationOnAReplicaWhoseClockIsAhead_Stands()
    {
        // Replica B (its clock ahead) revoked; the person consents again on replica A: given after it, by the store's order.
        var store = new InMemoryStateStore(Clock);
        var ahead = new ManualTimeProvider(Clock.GetUtcNow() + Skew);
        var (a, b) = (new InteractiveGrants(store, Clock), new InteractiveGrants(store, ahead));
        await ConsentAsync(a, Client);
        Assert.True(await b.RevokeConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None));
        var ends = Clock.GetUtcNow().AddHours(8);
        var consent = new PersonConsent(Client, "default", "assistant", Clock.GetUtcNow(), ends);

        await a.SaveConsentAsync(Tenant, Issuer, Subject, consent, CancellationToken.None);

        Assert.Equal(consent.Granted, (await b.GetConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None))?.Granted);
        Assert.NotNull(await a.StartFamilyUnderConsentAsync(Tenant, Issuer, Subject, consent, ends, CancellationToken.None));
    }
}
