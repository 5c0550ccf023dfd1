using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Connectors.Vault;
using Gateway.Proxy.People.Links;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// A re-encrypt after a data-key rotation (the admin API's <c>credentials/reencrypt</c>) seals a person's link again while
/// its refresh waits at the authorization server (a real Kestrel token endpoint, held on a <see cref="TaskCompletionSource"/>):
/// the link is the same, only its ciphertext changed, so the refresh's new tokens are written over it and used; neither
/// they nor the new refresh token are dropped (the person would be unlinked at the next refresh).
/// </summary>
public sealed class LinkReencryptDuringRefreshTests
{
    private static readonly string OldKey = "old:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewKey = "new:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task InvokeTool_LinkSealedAgainWhileItsRefreshWaitsAtTheServer_UsesAndKeepsTheRefreshedTokens()
    {
        await using var gw = await PerPersonGateway.StartAsync(configure: builder =>
        {
            builder.Configuration["DATA_ENCRYPTION_KEY"] = NewKey;
            builder.Configuration["DATA_ENCRYPTION_KEYS_RETIRED"] = OldKey;
        });
        var key = new LinkedAccountKey("demo", gw.People.Provider.Issuer, "erin", "crm.read_contact");
        var seeded = gw.Server.IssueRefreshToken("upstream-erin");

        // Linked before the rotation: sealed under the key now retired, its access token about to expire.
        var store = gw.Gateway.Host.Services.GetRequiredService<IStateStore>();
        await new LinkedAccounts(store, new EncryptionKeyRing(DataEncryptionKey.Parse(OldKey)), NullLogger<LinkedAccounts>.Instance).StoreAsync(key, new LinkedAccount
        {
            LinkId = Guid.NewGuid().ToString("N"),
            AccessToken = "at-upstream-erin-before-rotation",
            RefreshToken = seeded,
            ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(20),
            UpstreamSubject = "upstream-erin",
            LinkedAt = DateTimeOffset.UtcNow,
            Binding = gw.Binding,
        }, CancellationToken.None);
        gw.Server.RefreshGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refreshing = gw.CallAsync("erin");
        await Eventually.HoldsAsync(() => gw.Server.Refreshes >= 1, TimeSpan.FromSeconds(30), "no refresh arrived");

        using var reencrypt = await gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/credentials/reencrypt", content: null);
        var answer = await reencrypt.Content.ReadAsStringAsync();
        gw.Server.RefreshGate.SetResult();
        using var during = await refreshing;
        var stored = await gw.Gateway.Host.Services.GetRequiredService<LinkedAccounts>().GetAsync(key, CancellationToken.None);

        Assert.True(reencrypt.StatusCode == HttpStatusCode.OK, answer);
        using (var body = JsonDocument.Parse(answer))
        {
            var links = body.RootElement.GetProperty("kinds").EnumerateArray().Single(k => k.GetProperty("kind").GetString() == "linked_accounts");
            Assert.Equal(1, links.GetProperty("reencrypted").GetInt32());
        }

        Assert.True(during.StatusCode == HttpStatusCode.OK, await during.Content.ReadAsStringAsync());
        Assert.Equal(1, gw.Server.Refreshes);
        var refreshed = Assert.Single(gw.Server.AccessTokens);
        Assert.Equal("Bearer " + refreshed, Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);
        Assert.Equal(refreshed, stored?.AccessToken);
        Assert.StartsWith("rt-upstream-erin-", stored!.RefreshToken, StringComparison.Ordinal);
        Assert.NotEqual(seeded, stored.RefreshToken);
    }
}
