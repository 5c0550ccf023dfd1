using System.Net;
using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Oversight.Agents;
using Gateway.Policy;
using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A person's interactive client end to end, against a real Kestrel gateway and an OpenID provider on loopback: the
/// person signs in through the console, consents, the client exchanges the code with PKCE and calls <c>/mcp</c> as the
/// demo agent with the person at the head of the actor chain. Refused with their OAuth errors: a code used twice (and
/// the tokens it gave revoked), a wrong verifier, another resource, a rotated refresh token used again (its family
/// revoked), a person the bundle does not allow; and at <c>/mcp</c>, at once: a revoked consent, a suspended person, a
/// person signed out at the provider (a logout token naming them or only their provider session), a token for another resource.
/// </summary>
public sealed class InteractiveGrantTests(InteractiveGatewayFixture fixture) : IClassFixture<InteractiveGatewayFixture>
{
    private InteractiveGateway Gw => fixture.Gateway;

    [Fact]
    public async Task Exchange_AfterSignInAndConsent_GivesATokenThatActsAsTheAgentForThePerson()
    {
        var tokens = await Gw.SignInAndExchangeAsync("alice");
        var access = tokens.GetProperty("access_token").GetString()!;
        await using var client = await Gw.ConnectAsync(access);

        var tools = (await client.ListToolsAsync()).Select(static t => t.Name).ToList();
        var result = await client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "person" });
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("notes__erase").AsTask());

        Assert.Contains("notes__find", tools);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(-31000, (int)refused.ErrorCode);
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));
        var read = Gw.Gateway.Host.Services.GetRequiredService<AccessTokenFormat>().Read(access, Gw.Origin, Gw.Resource, DateTimeOffset.UtcNow);
        Assert.Equal("demo-agent", read.Subject!.Agent);
        Assert.Equal("alice", read.Person!.Subject);
        Assert.Equal(InteractiveGateway.ClientId, read.Person.ClientId);
        var records = await Gw.AllAuditRecordsAsync();
        var calls = records.Where(r => r.TryGetProperty("tool", out var t) && t.GetString() == "notes.find" && r.TryGetProperty("person", out var p) && p.GetString() == "alice").ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, call =>
        {
            Assert.Equal("demo-agent", call.GetProperty("agent").GetString());
            Assert.Equal(["alice", "demo-agent"], call.GetProperty("actor_chain").EnumerateArray().Select(l => l.GetProperty("id").GetString()));
        });
    }

    [Fact]
    public async Task Exchange_CodeUsedTwice_IsInvalidGrantAndTheTokensItGaveAreRevoked()
    {
        using var browser = Gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, _) = await Gw.AuthorizeAsync(browser, "alice", [], challenge);
        var (firstStatus, first) = await Gw.ExchangeAsync(redirect, verifier);
        using (var before = await Gw.InitializeAsync(first.GetProperty("access_token").GetString()!))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var (secondStatus, second) = await Gw.ExchangeAsync(redirect, verifier);

        Assert.Equal(HttpStatusCode.OK, firstStatus);
        Assert.Equal(HttpStatusCode.BadRequest, secondStatus);
        Assert.Equal("invalid_grant", second.GetProperty("error").GetString());
        using var after = await Gw.InitializeAsync(first.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var (refreshStatus, _) = await RefreshAsync(first.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, refreshStatus);
    }

    [Theory]
    [InlineData("verifier")]
    [InlineData("redirect")]
    [InlineData("client")]
    [InlineData("resource")]
    public async Task Exchange_NotMatchingTheCode_IsRefused(string kind)
    {
        using var browser = Gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, _) = await Gw.AuthorizeAsync(browser, "alice", [], challenge);
        var code = InteractiveGateway.CodeOf(redirect);
        (string, string)[] fields = kind switch
        {
            "verifier" => [("grant_type", "authorization_code"), ("client_id", InteractiveGateway.ClientId), ("code", code), ("redirect_uri", InteractiveGateway.LoopbackRedirect), ("code_verifier", InteractiveGateway.NewPkce().Verifier)],
            "redirect" => [("grant_type", "authorization_code"), ("client_id", InteractiveGateway.ClientId), ("code", code), ("redirect_uri", InteractiveGateway.WebRedirect), ("code_verifier", verifier)],
            "client" => [("grant_type", "authorization_code"), ("client_id", "someone-else"), ("code", code), ("redirect_uri", InteractiveGateway.LoopbackRedirect), ("code_verifier", verifier)],
            _ => [("grant_type", "authorization_code"), ("client_id", InteractiveGateway.ClientId), ("code", code), ("redirect_uri", InteractiveGateway.LoopbackRedirect), ("code_verifier", verifier), ("resource", "https://elsewhere.example/mcp")],
        };

        var (status, json) = await Gw.TokenAsync(fields);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(kind == "resource" ? "invalid_target" : "invalid_grant", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Refresh_RotatedTokenUsedAgain_RevokesTheFamily()
    {
        var tokens = await Gw.SignInAndExchangeAsync("alice");
        var firstRefresh = tokens.GetProperty("refresh_token").GetString()!;
        var (rotatedStatus, rotated) = await RefreshAsync(firstRefresh);
        Assert.Equal(HttpStatusCode.OK, rotatedStatus);
        Assert.NotEqual(firstRefresh, rotated.GetProperty("refresh_token").GetString());

        var (reuseStatus, reuse) = await RefreshAsync(firstRefresh);

        Assert.Equal(HttpStatusCode.BadRequest, reuseStatus);
        Assert.Equal("invalid_grant", reuse.GetProperty("error").GetString());
        var (nextStatus, _) = await RefreshAsync(rotated.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, nextStatus);
        using var mcp = await Gw.InitializeAsync(rotated.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, mcp.StatusCode);
    }

    [Fact]
    public async Task Refresh_WithAnotherResource_IsInvalidTargetAndTheRefreshTokenStillWorks()
    {
        var tokens = await Gw.SignInAndExchangeAsync("alice");
        var refresh = tokens.GetProperty("refresh_token").GetString()!;

        var (wrongStatus, wrong) = await Gw.TokenAsync(("grant_type", "refresh_token"), ("client_id", InteractiveGateway.ClientId), ("refresh_token", refresh), ("resource", Gw.Resource + "/"));

        Assert.Equal(HttpStatusCode.BadRequest, wrongStatus);
        Assert.Equal("invalid_target", wrong.GetProperty("error").GetString());
        var (retryStatus, retry) = await RefreshAsync(refresh);
        Assert.True(retryStatus == HttpStatusCode.OK, retry.ToString());
        using var mcp = await Gw.InitializeAsync(retry.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, mcp.StatusCode);
    }

    [Fact]
    public async Task Consent_PersonTheBundleDoesNotAllow_GoesBackWithAccessDenied()
    {
        using var browser = Gw.Browser();

        var (redirect, _) = await Gw.AuthorizeAsync(browser, "mallory", ["approvers"], InteractiveGateway.NewPkce().Challenge);

        var query = QueryHelpers.ParseQuery(redirect.Query);
        Assert.Equal("access_denied", query["error"].ToString());
        Assert.Equal(Gw.Origin, query["iss"].ToString());
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task Consent_Page_LetsItsFormRedirectOnlyToTheClientsOrigin()
    {
        using var browser = Gw.Browser();
        using var start = await browser.GetAsync(Gw.AuthorizeUrl(InteractiveGateway.NewPkce().Challenge, "http://127.0.0.1:43210/callback"));
        var consentPath = start.Headers.Location!.OriginalString;
        var session = await Gw.SignInAsync(browser, consentPath, "frank", ["engineers"]);

        using var page = await browser.SendAsync(Get(consentPath, session));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("form-action 'self' http://127.0.0.1:43210;", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consent_GroupMemberWithoutAConsoleRole_SignsInAndIsRemembered()
    {
        using var browser = Gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (first, session) = await Gw.AuthorizeAsync(browser, "erin", ["engineers"], challenge);
        Assert.Equal(HttpStatusCode.OK, (await Gw.ExchangeAsync(first, verifier)).Status);

        // The second authorization of the same client: remembered, no page.
        var (verifier2, challenge2) = InteractiveGateway.NewPkce();
        var (second, _) = await Gw.AuthorizeAsync(browser, "erin", ["engineers"], challenge2, session);

        Assert.Equal(HttpStatusCode.OK, (await Gw.ExchangeAsync(second, verifier2)).Status);
        using var page = await browser.SendAsync(Get("/console/demo/clients", session));
        Assert.Contains(InteractiveGateway.ClientId, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mcp_ConsentRevokedOnThePersonsPage_RefusesTheTokenAtOnce()
    {
        using var browser = Gw.Browser();
        var (verifier, challenge) = InteractiveGateway.NewPkce();
        var (redirect, session) = await Gw.AuthorizeAsync(browser, "alice", [], challenge);
        var (_, tokens) = await Gw.ExchangeAsync(redirect, verifier);
        var access = tokens.GetProperty("access_token").GetString()!;
        using (var before = await Gw.InitializeAsync(access))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var page = await browser.SendAsync(Get("/console/demo/clients", session));
        var csrf = Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
        using var revoked = await browser.SendAsync(PostForm("/console/demo/clients/revoke", session, new Dictionary<string, string> { ["csrf"] = csrf, ["client_id"] = InteractiveGateway.ClientId }));

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        using var after = await Gw.InitializeAsync(access);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("invalid_token", string.Join(" ", after.Headers.WwwAuthenticate.Select(h => h.ToString())), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!)).Status);
        var records = await Gw.AllAuditRecordsAsync();
        Assert.Contains(records, r => Text(r, "tool") == "console.consent.grant" && Text(r, "person") == "alice" && Text(r, "agent") == "demo-agent");
        var revocation = Assert.Single(records, r => Text(r, "tool") == "console.consent.revoke" && Text(r, "person") == "alice");
        Assert.Equal("demo-agent", Text(revocation, "agent"));
        Assert.Equal("admin_action", Text(revocation, "decision"));
        Assert.StartsWith("console:", Text(revocation, "actor"), StringComparison.Ordinal);
        Assert.Contains(InteractiveGateway.ClientId, revocation.ToString(), StringComparison.Ordinal);
    }

    private static string? Text(JsonElement record, string name) => record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [Fact]
    public async Task Mcp_ConsentRevokedThroughTheAdminApi_RefusesTheTokenAtOnce()
    {
        var tokens = await Gw.SignInAndExchangeAsync("bruno", ["engineers"]);
        var access = tokens.GetProperty("access_token").GetString()!;
        var listed = JsonDocument.Parse(await Gw.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/console-users/bruno/consents")).RootElement;
        Assert.Equal(InteractiveGateway.ClientId, listed.GetProperty("consents")[0].GetProperty("client_id").GetString());

        using var deleted = await Gw.Gateway.Admin().DeleteAsync("/admin/v1/tenants/demo/console-users/bruno/consents?client_id=" + InteractiveGateway.ClientId);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var after = await Gw.InitializeAsync(access);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        using var again = await Gw.Gateway.Admin().DeleteAsync("/admin/v1/tenants/demo/console-users/bruno/consents?client_id=" + InteractiveGateway.ClientId);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Mcp_PersonSignedOutAtTheProvider_IsRefusedAtOnceAndCannotRefresh()
    {
        // The provider's back-channel logout naming the person ends their clients' tokens, not only their console session.
        var tokens = await Gw.SignInAndExchangeAsync("gina", ["engineers"]);
        var access = tokens.GetProperty("access_token").GetString()!;
        using (var before = await Gw.InitializeAsync(access))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var browser = Gw.Browser();
        using var logout = await browser.SendAsync(PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = Gw.Provider.LogoutToken("gina") }));

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        using var after = await Gw.InitializeAsync(access);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var (status, json) = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", json.GetProperty("error").GetString());
        var listed = JsonDocument.Parse(await Gw.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/console-users/gina/consents")).RootElement;
        Assert.Equal(0, listed.GetProperty("consents").GetArrayLength());
    }

    [Fact]
    public async Task Mcp_PersonSignedOutAtTheProviderBySidOnly_IsRefusedAtOnceAndCannotRefresh()
    {
        // A logout token may name only the provider session (sid): its person's clients' tokens end as they do for a sub.
        Gw.IdTokenSid = "sid-hana-laptop";
        JsonElement tokens;
        try
        {
            tokens = await Gw.SignInAndExchangeAsync("hana", ["engineers"]);
        }
        finally
        {
            Gw.IdTokenSid = null;
        }

        var access = tokens.GetProperty("access_token").GetString()!;
        using (var before = await Gw.InitializeAsync(access))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var browser = Gw.Browser();
        using var logout = await browser.SendAsync(PostForm("/console/demo/backchannel-logout", null,
            new Dictionary<string, string> { ["logout_token"] = Gw.Provider.LogoutToken(subject: null, sid: "sid-hana-laptop") }));

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        using var after = await Gw.InitializeAsync(access);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var (status, json) = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", json.GetProperty("error").GetString());
        var listed = JsonDocument.Parse(await Gw.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/console-users/hana/consents")).RootElement;
        Assert.Equal(0, listed.GetProperty("consents").GetArrayLength());
    }

    [Fact]
    public async Task Mcp_PersonSuspendedMidSession_IsRefusedAtOnceAndCannotRefresh()
    {
        var tokens = await Gw.SignInAndExchangeAsync("carol", ["engineers"]);
        var access = tokens.GetProperty("access_token").GetString()!;
        using (var before = await Gw.InitializeAsync(access))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var suspended = await Gw.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/console-users/carol/suspend", null);
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);

        using var after = await Gw.InitializeAsync(access);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var (status, json) = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Mcp_AgentSuspended_RefusesThePersonsCallsAtOnce()
    {
        var tokens = await Gw.SignInAndExchangeAsync("dave", ["engineers"]);
        await using var client = await Gw.ConnectAsync(tokens.GetProperty("access_token").GetString()!);
        var before = await client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "before" });
        Assert.NotEqual(true, before.IsError);
        var status = Gw.Gateway.Host.Services.GetRequiredService<AgentStatusService>();
        await status.SuspendAsync("demo", "demo-agent", "test");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("notes__find", new Dictionary<string, object?> { ["text"] = "after" }).AsTask());
            var (refreshStatus, _) = await RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
            Assert.Equal(HttpStatusCode.BadRequest, refreshStatus);
        }
        finally
        {
            await status.ResumeAsync("demo", "demo-agent", "test");
        }
    }

    [Fact]
    public async Task Mcp_PersonsTokenForAnotherResource_IsRefused()
    {
        var format = Gw.Gateway.Host.Services.GetRequiredService<AccessTokenFormat>();
        var token = format.Issue(Gw.Origin, "https://elsewhere.example/mcp", new AuthenticatedCaller("demo", "ws-demo", "demo-agent"), null, null,
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), new TokenPerson("alice", Gw.Provider.Issuer, [], InteractiveGateway.ClientId, "no-family"));

        using var response = await Gw.InitializeAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private Task<(HttpStatusCode Status, JsonElement Json)> RefreshAsync(string refreshToken) =>
        Gw.TokenAsync(("grant_type", "refresh_token"), ("client_id", InteractiveGateway.ClientId), ("refresh_token", refreshToken));
}
