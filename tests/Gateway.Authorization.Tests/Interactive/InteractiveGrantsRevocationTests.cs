using Gateway.Authorization.Interactive;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A person's consents revoked at once (back-channel logout, <see cref="InteractiveGrants.RevokeConsentsAsync"/>): found by
/// the person's consent index, which lives as long as the latest consent added to it needs, not the first one's lifetime.
/// </summary>
public sealed class InteractiveGrantsRevocationTests
{
    private const string Tenant = "demo";
    private const string Issuer = "https://idp.example";
    private const string Subject = "bob";

    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RevokeConsents_ConsentGivenAfterTheIndexWasCreated_RevokedAfterTheIndexFirstLifetime()
    {
        var grants = new InteractiveGrants(new InMemoryStateStore(_clock), _clock);
        await ConsentAsync(grants, "first-client");
        _clock.Advance(TimeSpan.FromDays(29) + TimeSpan.FromHours(20));
        var family = await ConsentAsync(grants, "later-client");
        _clock.Advance(TimeSpan.FromHours(5));

        var revoked = await grants.RevokeConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None);

        Assert.Equal(1, revoked);
        Assert.Null(await grants.GetConsentAsync(Tenant, Issuer, Subject, "later-client", CancellationToken.None));
        Assert.False(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
    }

    [Fact]
    public async Task RevokeSubjectConsent_ConsentGivenAfterTheIssuersIndexWasCreated_RevokedAfterTheIndexFirstLifetime()
    {
        var grants = new InteractiveGrants(new InMemoryStateStore(_clock), _clock);
        await ConsentAsync(grants, "first-client");
        _clock.Advance(TimeSpan.FromDays(29) + TimeSpan.FromHours(20));
        var family = await ConsentAsync(grants, "later-client");
        _clock.Advance(TimeSpan.FromHours(5));

        Assert.True(await grants.RevokeSubjectConsentAsync(Tenant, Subject, "later-client", CancellationToken.None));

        Assert.False(await grants.IsFamilyLiveAsync(family, CancellationToken.None));
    }

    [Fact]
    public async Task RevokeConsent_FamilyStartedAfterTheFamilyIndexWasCreated_RevokedAfterTheIndexFirstLifetime()
    {
        var grants = new InteractiveGrants(new InMemoryStateStore(_clock), _clock);
        await ConsentAsync(grants, "client");
        _clock.Advance(TimeSpan.FromDays(29) + TimeSpan.FromHours(20));
        var later = await ConsentAsync(grants, "client");
        _clock.Advance(TimeSpan.FromHours(5));

        Assert.True(await grants.RevokeConsentAsync(Tenant, Issuer, Subject, "client", CancellationToken.None));

        Assert.False(await grants.IsFamilyLiveAsync(later, CancellationToken.None));
    }

    // A consent for 30 days (the longest) and the token family it starts; the family.
    private async Task<string> ConsentAsync(InteractiveGrants grants, string clientId)
    {
        var now = _clock.GetUtcNow();
        var ends = now.AddDays(30);
        await grants.SaveConsentAsync(Tenant, Issuer, Subject, new PersonConsent(clientId, "default", "assistant", now, ends), CancellationToken.None);
        return await grants.StartFamilyAsync(Tenant, Issuer, Subject, clientId, ends, CancellationToken.None);
    }
}
