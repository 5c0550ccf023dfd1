using Gateway.Authorization.Interactive;
using Gateway.Store;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A person's consents revoked at once (back-channel logout, <see cref="InteractiveGrants.RevokeConsentsAsync"/>): found by
/// the person's consent index, which lives as long as the latest consent added to it needs, not the first one's lifetime.
/// </summary>
public sealed class InteractiveGrantsRevocationTests : InteractiveGrantsFixture
{
    [Fact]
    public async Task RevokeConsents_ConsentGivenAfterTheIndexWasCreated_RevokedAfterTheIndexFirstLifetime()
    {
        var grants = new InteractiveGrants(new InMemoryStateStore(Clock), Clock);
        await ConsentAsync(grants, "first-client");
        Clock.Advance(TimeSpan.FromDays(29) + TimeSpan.FromHours(20));
        var family = await ConsentAsync(grants, "later-client");
        Clock.Advance(TimeSpan.FromHours(5));

        var revoked = await grants.RevokeConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None);

        Assert.Equal(1, revoked);
        Assert.Null(await grants.GetConsentAsync(Tenant, Issuer, Subject, "later-client", CancellationToken.None));
        Assert.False(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
    }

    [Fact]
    public async Task RevokeSubjectConsent_ConsentGivenAfterTheIssuersIndexWasCreated_RevokedAfterTheIndexFirstLifetime()
    {
        var grants = new InteractiveGrants(new InMemoryStateStore(Clock), Clock);
        await ConsentAsync(grants, "first-client");
        Clock.Advance(TimeSpan.FromDays(29) + TimeSpan.FromHours(20));
        var family = await ConsentAsync(grants, "later-client");
        Clock.Advance(TimeSpan.FromHours(5));

        Assert.True(await grants.RevokeSubjectConsentAsync(Tenant, Subject, "later-client", CancellationToken.None));

        Assert.False(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
    }

    [Fact]
    public async Task RevokeConsent_FamilyStartedAfterTheFamilyIndexWasCreated_RevokedAfterTheIndexFirstLifetime()
    {
        var grants = new InteractiveGrants(new InMemoryStateStore(Clock), Clock);
        await ConsentAsync(grants, "client");
        Clock.Advance(TimeSpan.FromDays(29) + TimeSpan.FromHours(20));
        var later = await ConsentAsync(grants, "client");
        Clock.Advance(TimeSpan.FromHours(5));

        Assert.True(await grants.RevokeConsentAsync(Tenant, Issuer, Subject, "client", CancellationToken.None));

        Assert.False(await grants.IsFamilyLiveAsync(later, CancellationToken.None));
    }
}
