using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The console session's idle expiry (<c>Gateway:Console:IdleTimeout</c>, 30 minutes by default) on a gateway whose clock
/// is a <see cref="FakeTimeProvider"/>: an unattended browser is signed out, activity keeps the session alive only up to
/// its absolute lifetime, the session cookie dies with the browser, and an idle timeout past the lifetime refuses to start.
/// </summary>
public sealed class ConsoleSessionIdleTests
{
    [Fact]
    public async Task Session_IdleLongerThanTheTimeout_RedirectsToSignIn()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles, configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["approvers"]);
        await AssertSignedInAsync(client, session);

        clock.Advance(TimeSpan.FromMinutes(31));

        await AssertSignedOutAsync(client, session);
    }

    [Fact]
    public async Task Session_ActiveEveryTwentyMinutes_LivesUntilItsAbsoluteLifetime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string>(DemoRoles) { ["Gateway:Console:SessionLifetime"] = "01:00:00" };
        await using var gw = await PersonGateway.StartAsync(settings: settings, configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var client = Browser(gw);
        var session = await SignInAsync(gw, client, "bob", ["approvers"]);

        foreach (var minutes in new[] { 20, 20, 19 })
        {
            clock.Advance(TimeSpan.FromMinutes(minutes));
            await AssertSignedInAsync(client, session);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        await AssertSignedOutAsync(client, session);
    }

    [Fact]
    public async Task SignIn_SessionCookie_HasNoMaxAgeOrExpires()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var client = Browser(gw);
        var (state, nonce, cookie) = await StartAsync(client);
        gw.Provider.TokenAnswer = (200, System.Text.Json.JsonSerializer.Serialize(new { id_token = gw.Provider.Issue("bob", ["approvers"], nonce: nonce) }));

        using var response = await client.SendAsync(ConsoleHttp.Get($"/console/demo/callback?state={state}&code=the-code", cookie));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var set = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("gamut_console=", StringComparison.Ordinal));
        Assert.DoesNotContain("max-age", set, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires", set, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("09:00:00")]
    public async Task Start_IdleTimeoutNotPositiveOrPastTheLifetime_IsRefused(string idle)
    {
        var settings = new Dictionary<string, string>(DemoRoles) { ["Gateway:Console:IdleTimeout"] = idle };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => PersonGateway.StartAsync(settings: settings));

        Assert.Contains("IdleTimeout", error.ToString(), StringComparison.Ordinal);
    }
}
