using System.Net;
using System.Text.Json;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Console;

/// <summary>Signs a person in to the demo tenant's console through a <see cref="TestOpenIdProvider"/>, without a browser.</summary>
internal static class ConsoleOidcSignIn
{
    /// <summary>The demo tenant's console roles: group <c>approvers</c> gives approver, <c>auditors</c> auditor.</summary>
    public static IReadOnlyDictionary<string, string> DemoRoles { get; } = new Dictionary<string, string>
    {
        ["Gateway:Console:Tenants:demo:Roles:approver:0"] = "approvers",
        ["Gateway:Console:Tenants:demo:Roles:auditor:0"] = "auditors",
    };

    public static HttpClient Browser(PersonGateway gw) => ConsoleHttp.Browser(gw.Gateway.Host.BaseAddress);

    /// <summary>GET /console/demo/sign-in: the state and nonce sent to the provider, and the state cookie.</summary>
    public static async Task<(string State, string Nonce, string Cookie)> StartAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/console/demo/sign-in");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        return (query["state"].ToString(), query["nonce"].ToString(), ConsoleHttp.Cookie(response, "gamut_console_state"));
    }

    /// <summary>Signs <paramref name="subject"/> in (their ID token carries <paramref name="groups"/> and <paramref name="sid"/>); the session cookie.</summary>
    public static Task<string> SignInAsync(PersonGateway gw, HttpClient client, string subject, string[] groups, string? sid = null) =>
        SignInAtAsync(gw.Provider, client, subject, groups, sid);

    /// <summary>As <see cref="SignInAsync"/>, at <paramref name="provider"/> (the one the tenant's bundle names now).</summary>
    public static async Task<string> SignInAtAsync(TestOpenIdProvider provider, HttpClient client, string subject, string[] groups, string? sid = null)
    {
        var (state, nonce, cookie) = await StartAsync(client);
        provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = provider.Issue(subject, groups, audience: TestOpenIdProvider.ClientId, nonce: nonce, sid: sid) }));
        using var response = await client.SendAsync(ConsoleHttp.Get($"/console/demo/callback?state={state}&code=the-code", cookie));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return ConsoleHttp.Cookie(response, "gamut_console");
    }

    /// <summary>Rewrites the bundle with <paramref name="change"/> (which must change it) and reloads it.</summary>
    public static async Task ReloadAsync(PersonGateway gw, Func<string, string> change)
    {
        var before = await File.ReadAllTextAsync(gw.Gateway.Bundle.MainFile);
        Assert.NotEqual(before, change(before));
        gw.Gateway.Bundle.Rewrite(change);
        Assert.Empty(await gw.Gateway.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
    }

    /// <summary>The session is gone: its page sends the browser to sign in.</summary>
    public static async Task AssertSignedOutAsync(HttpClient client, string session)
    {
        using var page = await client.SendAsync(ConsoleHttp.Get("/console/demo/approvals", session));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/console/demo/sign-in", page.Headers.Location?.OriginalString);
    }

    /// <summary>The session is live: its approvals page answers.</summary>
    public static async Task AssertSignedInAsync(HttpClient client, string session)
    {
        using var page = await client.SendAsync(ConsoleHttp.Get("/console/demo/approvals", session));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}
