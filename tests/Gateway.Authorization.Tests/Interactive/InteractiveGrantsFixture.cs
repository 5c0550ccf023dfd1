using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Authorization.Interactive;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>The person, client and clock the interactive-grant tests share, the consents and families they start, and the previous release's redemption.</summary>
public abstract class InteractiveGrantsFixture
{
    protected const string Tenant = "demo";
    protected const string Issuer = "https://idp.example";
    protected const string Subject = "bob";
    protected const string Client = "ide";

    protected ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A consent for 30 days and the token family it starts, its code redeemed; the family.</summary>
    protected async Task<string> ConsentAsync(InteractiveGrants grants, string clientId)
    {
        var now = Clock.GetUtcNow();
        var ends = now.AddDays(30);
        await grants.SaveConsentAsync(Tenant, Issuer, Subject, new PersonConsent(clientId, "default", "assistant", now, ends), CancellationToken.None);
        return await StartRedeemedAsync(grants, clientId, ends);
    }

    /// <summary>A token family of the consent to <paramref name="clientId"/>, live until <paramref name="ends"/>: its code issued and redeemed.</summary>
    protected static async Task<string> StartRedeemedAsync(InteractiveGrants grants, string clientId, DateTimeOffset ends)
    {
        ArgumentNullException.ThrowIfNull(grants);
        var family = await grants.StartFamilyAsync(Tenant, Issuer, Subject, clientId, ends, CancellationToken.None);
        var code = await grants.IssueCodeAsync(Grant(family, ends, clientId), CancellationToken.None);
        Assert.Equal(family, (await grants.RedeemCodeAsync(code, CancellationToken.None))?.Family);
        return family;
    }

    /// <summary>The grant a code of <paramref name="family"/> carries.</summary>
    protected static InteractiveGrant Grant(string family, DateTimeOffset ends, string clientId = Client) =>
        new(Tenant, "default", "assistant", clientId, Subject, Issuer, [], "https://gw.example/mcp", family, ends)
        {
            RedirectUri = "http://127.0.0.1/cb",
            CodeChallenge = "challenge",
        };

    /// <summary>The previous release's code redemption: used key, take, then the family key read (never extended).</summary>
    protected async Task<InteractiveGrant?> PreviousReleaseRedeemCodeAsync(IKeyValueStore store, string code)
    {
        ArgumentNullException.ThrowIfNull(store);
        var hash = Hash(code);
        if (await store.GetAsync("oauth:code:" + hash) is not { } json)
        {
            return null;
        }

        var grant = JsonSerializer.Deserialize(json, InteractiveJsonContext.Default.InteractiveGrant)!;
        await store.SetAsync("oauth:code-used:" + hash, grant.Family, grant.FamilyEnds - Clock.GetUtcNow());
        if (await store.TakeAsync("oauth:code:" + hash) is null)
        {
            return null;
        }

        return await store.GetAsync(InteractiveGrants.FamilyKey(grant.Family)) is not null && grant.FamilyEnds > Clock.GetUtcNow() ? grant : null;
    }

    /// <summary>A key's hash, as the store's keys name things.</summary>
    protected static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
