using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl console users list|suspend|resume</c> against the real gateway on Kestrel, with a real console session
/// (the Development admin-token sign-in, cookies and all) that the suspension must end.
/// </summary>
public sealed partial class ConsoleCommandsTests : IAsyncLifetime
{
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task ConsoleUsersSuspend_SignedInPerson_EndsTheSessionAndListShowsSuspended()
    {
        var token = await _gw.IssueTokenAsync("--name", "ana", "--role", "auditor", "--tenant", DemoGateway.Tenant);
        using var browser = await SignInAsync(token);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console/demo/audit")).StatusCode);

        var before = await _gw.RunAsync(DemoGateway.AdminToken, "console", "users", "list", "--tenant", DemoGateway.Tenant);
        var suspended = await _gw.RunAsync(DemoGateway.AdminToken, "console", "users", "suspend", "admin-token:ana", "--tenant", DemoGateway.Tenant);
        var after = await _gw.RunAsync(DemoGateway.AdminToken, "console", "users", "list", "--tenant", DemoGateway.Tenant, "--json");
        var page = await browser.GetAsync("/console/demo/audit");

        Assert.True(before.ExitCode == 0, before.Error);
        Assert.Contains("admin-token:ana\tperson=ana\troles=auditor\tsessions=1\tsuspended=no\tissuer=admin-token", before.Out, StringComparison.Ordinal);
        Assert.True(suspended.ExitCode == 0, suspended.Error);
        Assert.Contains("admin-token:ana is suspended in demo; 1 console session(s) ended.", suspended.Out, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.EndsWith("/console/demo/sign-in", page.Headers.Location!.ToString(), StringComparison.Ordinal);
        using var listed = JsonDocument.Parse(after.Out);
        var user = Assert.Single(listed.RootElement.GetProperty("users").EnumerateArray());
        Assert.Equal("admin-token:ana", user.GetProperty("subject").GetString());
        Assert.Equal("admin-token", user.GetProperty("issuer").GetString());
        Assert.True(user.GetProperty("suspended").GetBoolean());
        Assert.Equal(0, user.GetProperty("sessions").GetInt32());
    }

    [Fact]
    public async Task ConsoleUsersResume_SuspendedPerson_MaySignInAgain()
    {
        var token = await _gw.IssueTokenAsync("--name", "ben", "--role", "auditor", "--tenant", DemoGateway.Tenant);
        await _gw.RunAsync(DemoGateway.AdminToken, "console", "users", "suspend", "admin-token:ben", "--tenant", DemoGateway.Tenant);
        var refused = await SignInStatusAsync(token);

        var resumed = await _gw.RunAsync(DemoGateway.AdminToken, "console", "users", "resume", "admin-token:ben", "--tenant", DemoGateway.Tenant);
        var accepted = await SignInStatusAsync(token);

        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("admin-token:ben may sign in to the console of demo again.", resumed.Out, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, accepted);
    }

    [Fact]
    public async Task ConsoleUsersSuspend_AuditorToken_Exits1WithTheProblemCodeAndEndsNothing()
    {
        var auditor = await _gw.IssueTokenAsync("--name", "cy", "--role", "auditor", "--tenant", DemoGateway.Tenant);
        using var browser = await SignInAsync(auditor);

        var result = await _gw.RunAsync(auditor, "console", "users", "suspend", "admin-token:cy", "--tenant", DemoGateway.Tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("admin_role_required", result.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/console/demo/audit")).StatusCode);
    }

    [Fact]
    public async Task ConsoleUsersList_NobodySignedIn_SaysSo()
    {
        var result = await _gw.RunAsync(DemoGateway.AdminToken, "console", "users", "list", "--tenant", DemoGateway.Tenant);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("No console users.", result.Out.Trim());
    }

    /// <summary>A browser-like client (cookies, no redirects followed) signed in with <paramref name="token"/>.</summary>
    private async Task<HttpClient> SignInAsync(string token)
    {
        var (client, status) = await TrySignInAsync(token);
        Assert.Equal(HttpStatusCode.Redirect, status);
        return client;
    }

    private async Task<HttpStatusCode> SignInStatusAsync(string token)
    {
        var (client, status) = await TrySignInAsync(token);
        client.Dispose();
        return status;
    }

    private async Task<(HttpClient Client, HttpStatusCode Status)> TrySignInAsync(string token)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = _gw.BaseAddress };
        var form = await client.GetStringAsync("/console/demo/token-sign-in");
        var check = CheckField().Match(form).Groups[1].Value;
        using var body = new FormUrlEncodedContent([new("check", check), new("token", token)]);
        var answer = await client.PostAsync("/console/demo/token-sign-in", body);
        return (client, answer.StatusCode);
    }

    [GeneratedRegex("name=\"check\" value=\"([^\"]+)\"")]
    private static partial Regex CheckField();
}
