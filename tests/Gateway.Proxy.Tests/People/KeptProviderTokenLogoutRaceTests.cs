using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Console;
using Gateway.Proxy.People;
using Gateway.Proxy.Tests.Console;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Interactive;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.People;

/// <summary>
/// A back-channel logout naming only the subject lands while a sign-in of that person is in flight (its console session
/// written, not yet indexed, its provider token not yet kept): the logout forgets the person's kept tokens before the
/// sign-in keeps them, so the sign-in, whose ID token the logout came after, keeps nothing, and its session ends.
/// </summary>
public sealed class KeptProviderTokenLogoutRaceTests
{
    [Fact]
    public async Task BackChannelLogout_BySubjectWhileASignInKeepsItsProviderToken_NothingIsKept()
    {
        var hold = new StoreCallHold(nameof(IStateStore.SetAddAsync));
        await using var server = await TestAuthorizationServer.StartAsync();
        server.AcceptsTokenExchange = true;
        var person = "person: { credential: per_person, authorization_server: \"" + server.Issuer + "\", client: { id: " + TestAuthorizationServer.ClientId
            + ", secret: \"vault:files-client\" }, scopes: [files.read], token_exchange: true }";
        await using var gw = await InteractiveGateway.StartAsync(dynamicRegistration: false, [],
            rewrite: text => text.Replace("credential: none }\n  - { name: files.read,", "credential: none, " + person + " }\n  - { name: files.read,", StringComparison.Ordinal),
            configure: builder => builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => hold.Wrap(store))));
        using (var put = await gw.Gateway.Admin().PutAsync("/admin/v1/tenants/demo/credentials/files-client",
            new StringContent(JsonSerializer.Serialize(new { value = TestAuthorizationServer.ClientSecret }), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        gw.ProviderRefreshToken = "rt-provider-alice";
        using var browser = gw.Browser();
        using var start = await browser.GetAsync(gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge));
        var consentPath = start.Headers.Location!.OriginalString;
        hold.Arm(ConsoleSessionKeys.UserSessions("demo", gw.Provider.Issuer, "alice"));

        var signingIn = gw.SignInAsync(browser, consentPath, "alice", []);
        await hold.Reached;
        using var logout = await browser.SendAsync(ConsoleHttp.PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = gw.Provider.LogoutToken("alice") }));
        hold.Release();
        var session = await signingIn;

        Assert.True(logout.StatusCode == HttpStatusCode.OK, await logout.Content.ReadAsStringAsync());
        Assert.Null(await gw.Gateway.Host.Services.GetRequiredService<IStateStore>().GetAsync(KeptProviderTokens.StoreKey("demo", "alice")));
        using var page = await browser.SendAsync(ConsoleHttp.Get(consentPath, session));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/console/demo/sign-in", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }
}
