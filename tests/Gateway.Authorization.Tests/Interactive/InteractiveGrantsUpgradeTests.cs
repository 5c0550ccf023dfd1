using System.Text.Json;
using Gateway.Authorization.Interactive;
using Gateway.Store;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A rolling upgrade: replicas of the previous release (6b7a9715) beside this one on the same store, simulated by the store
/// operations that release performs. A family whose code a previous-release replica redeems (it never extends the family)
/// stays live until it ends; a consent that release saves (naming no consent generation) after this release's revocation
/// is listed, ordered as that release orders it.
/// </summary>
public sealed class InteractiveGrantsUpgradeTests : InteractiveGrantsFixture
{
    [Fact]
    public async Task RedeemCode_ByAReplicaThatDoesNotExtendTheFamily_FamilyStaysLiveUntilItEnds()
    {
        var store = new InMemoryStateStore(Clock);
        var grants = new InteractiveGrants(store, Clock);
        var ends = Clock.GetUtcNow().AddHours(8);
        var consent = new PersonConsent(Client, "default", "assistant", Clock.GetUtcNow(), ends);
        await grants.SaveConsentAsync(Tenant, Issuer, Subject, consent, CancellationToken.None);
        var family = await grants.StartFamilyUnderConsentAsync(Tenant, Issuer, Subject, consent, ends, CancellationToken.None);
        Assert.NotNull(family);
        var code = await grants.IssueCodeAsync(Grant(family, ends), CancellationToken.None);

        // POST /oauth/token on a replica of the previous release; it issues the refresh token as this release does.
        Clock.Advance(TimeSpan.FromSeconds(20));
        var grant = await PreviousReleaseRedeemCodeAsync(store, code);
        Assert.Equal(family, grant?.Family);
        var refresh = await grants.IssueRefreshTokenAsync(grant!, CancellationToken.None);

        // Long past the code's lifetime: the family is live on this release, and its refresh token rotates.
        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
        Assert.Equal(family, (await grants.RedeemRefreshTokenAsync(refresh, CancellationToken.None))?.Family);
        Clock.Advance(TimeSpan.FromHours(7));
        Assert.True(await grants.IsFamilyLiveAsync(family, CancellationToken.None));

        Clock.Advance(TimeSpan.FromHours(1));
        Assert.False(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
    }

    [Fact]
    public async Task ListConsents_ConsentSavedWithoutGenerationsAfterANewReleaseRevocation_IsListedWhenGivenAfterIt()
    {
        var store = new InMemoryStateStore(Clock);
        var grants = new InteractiveGrants(store, Clock);
        var revokedAt = Clock.GetUtcNow();

        // A back-channel logout on this release writes bob's consent generation; bob then consents on a previous-release replica.
        await grants.RevokeConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var consent = new PersonConsent(Client, "default", "assistant", Clock.GetUtcNow(), Clock.GetUtcNow().AddDays(30));
        await PreviousReleaseSaveConsentAsync(store, consent);

        // One that release saved while the revocation ran, given before it (its save landed after the listing): revoked.
        await PreviousReleaseSaveConsentAsync(store, new PersonConsent("earlier", "default", "assistant", revokedAt.AddSeconds(-1), revokedAt.AddDays(30)));

        Assert.Equal([Client], (await grants.ListConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None)).Select(static c => c.ClientId));
        Assert.Equal([Client], (await grants.ListSubjectConsentsAsync(Tenant, Subject, CancellationToken.None)).Select(static c => c.ClientId));
        Assert.Equal(consent.Granted, (await grants.GetConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None))?.Granted);
        Assert.Null(await grants.GetConsentAsync(Tenant, Issuer, Subject, "earlier", CancellationToken.None));

        // Listed, so it can be revoked here.
        Assert.True(await grants.RevokeConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None));
        Assert.Empty(await grants.ListConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None));
    }

    /// <summary>The previous release's consent save: the consent's JSON alone, then the person's index and the subject's issuers.</summary>
    private static async Task PreviousReleaseSaveConsentAsync(IKeyValueStore store, PersonConsent consent)
    {
        var person = Hash(Issuer) + ":" + Hash(Subject);
        await store.SetAsync("oauth:consent:{" + Tenant + "}:" + person + ":" + Hash(consent.ClientId), JsonSerializer.Serialize(consent, InteractiveJsonContext.Default.PersonConsent), TimeSpan.FromDays(30));
        await store.SetAddAsync(InteractiveGrants.ConsentIndexKey(Tenant, Issuer, Subject), consent.ClientId, TimeSpan.FromDays(400));
        await store.SetAddAsync("oauth:consent-issuers:{" + Tenant + "}:" + Hash(Subject), Issuer, TimeSpan.FromDays(400));
    }
}
