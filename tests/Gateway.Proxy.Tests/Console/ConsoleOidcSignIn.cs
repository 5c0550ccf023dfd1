using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

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
    public static async Task<string> SignInAsync(PersonGateway gw, HttpClient client, string subject, string[] groups, string? sid = null)
    {
        var (state, nonce, cookie) = await StartAsync(client);
        gw.Provider.TokenAnswer = (200, JsonSerializer.Serialize(new { id_token = gw.Provider.Issue(subject, groups, audience: TestOpenIdProvider.ClientId, nonce: nonce, sid: sid) }));
        using var response = await client.SendAsync(ConsoleHttp.Get($"/console/demo/callback?state={state}&code=the-code", cookie));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return ConsoleHttp.Cookie(response, "gamut_console");
    }
}
