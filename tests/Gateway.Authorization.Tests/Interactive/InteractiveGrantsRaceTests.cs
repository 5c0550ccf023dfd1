using Gateway.Authorization.Interactive;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A token family started under a consent (<see cref="InteractiveGrants.StartFamilyUnderConsentAsync"/>, the consent page's
/// code) while the consent is revoked (the clients page, a back-channel logout): the revocation, which lists the consent's
/// families, may run before the new family is indexed; the start checks the consent again after it, so no code is given for
/// a family the revocation missed, and that family is not live.
/// </summary>
public sealed class InteractiveGrantsRaceTests
{
    private const string Tenant = "demo";
    private const string Issuer = "https://idp.example";
    private const string Subject = "bob";
    private const string Client = "ide";

    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task StartFamilyUnderConsent_ConsentRevokedBeforeTheFamilyIsIndexed_TheCodeGivesNoToken()
    {
        var (store, hold) = HeldCallStore.Wrap(new InMemoryStateStore(_clock), nameof(IKeyValueStore.SetAsync), "oauth:family:");
        var grants = new InteractiveGrants(store, _clock);
        var ends = _clock.GetUtcNow().AddHours(8);
        await grants.SaveConsentAsync(Tenant, Issuer, Subject, new PersonConsent(Client, "default", "assistant", _clock.GetUtcNow(), ends), CancellationToken.None);
        // The remembered consent, as the consent page reads it before it issues a code with no page shown.
        var consent = await grants.GetConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(1));

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
        var (store, hold) = HeldCallStore.Wrap(new InMemoryStateStore(_clock), nameof(IKeyValueStore.SetAddAsync), "oauth:consents:");
        var grants = new InteractiveGrants(store, _clock);
        var ends = _clock.GetUtcNow().AddHours(8);
        var consent = new PersonConsent(Client, "default", "assistant", _clock.GetUtcNow(), ends);

        var saving = grants.SaveConsentAsync(Tenant, Issuer, Subject, consent, CancellationToken.None).AsTask();
        await hold.Reached.Task;
        _clock.Advance(TimeSpan.FromSeconds(1));
        await grants.RevokeConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None);
        hold.Release.SetResult();
        await saving;
        var family = await grants.StartFamilyUnderConsentAsync(Tenant, Issuer, Subject, consent, ends, CancellationToken.None);

        Assert.Null(family);
        Assert.Null(await grants.GetConsentAsync(Tenant, Issuer, Subject, Client, CancellationToken.None));
        Assert.Empty(await grants.ListConsentsAsync(Tenant, Issuer, Subject, CancellationToken.None));
    }

    private static InteractiveGrant Grant(string family, DateTimeOffset ends) =>
        new(Tenant, "default", "assistant", Client, Subject, Issuer, [], "https://gw.example/mcp", family, ends)
        {
            RedirectUri = "http://127.0.0.1/cb",
            CodeChallenge = "challenge",
        };
}
