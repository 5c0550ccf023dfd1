using System.Net;
using Gateway.Proxy.People.Links;
using Gateway.Proxy.Tests.Console;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.People.Links;

/// <summary>
/// A connector that acts as the person's own upstream account (<c>credential: per_person</c>), end to end on a real
/// gateway: refused with <c>upstream_account_not_linked</c> and a link URL until the person links it; the link runs the
/// upstream's authorization-code flow with PKCE (checked by the server) in the person's console session, with RFC 9207
/// <c>iss</c> checked; then the upstream sees the person's own token and the outcome record names the upstream account;
/// no token ever appears in an answer or a log line.
/// </summary>
public sealed partial class PerPersonLinkTests
{
    [Fact]
    public async Task InvokeTool_NotLinked_Is403WithALinkUrlRecordedAndNothingForwarded()
    {
        await using var gw = await PerPersonGateway.StartAsync();

        using var response = await gw.CallAsync("erin");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        var link = await PerPersonGateway.LinkPathAsync(response);
        Assert.Matches("^/connections/demo/crm\\.read_contact/link\\?grant=[A-Za-z0-9_-]{43}$", link);
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        var records = await gw.Gateway.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Contains(records, r => r.TryGetProperty("status_code", out var s) && s.GetInt32() == 403);
    }

    [Fact]
    public async Task InvokeTool_AgentActingOnItsOwn_IsPersonRequired()
    {
        await using var gw = await PerPersonGateway.StartAsync();

        using var response = await gw.Gateway.Agent.PostJsonAsync("/v1/actions/invoke-tool", PerPersonGateway.ReadContact);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "person_required");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
    }

    [Fact]
    public async Task Link_ThenRetry_UpstreamSeesThePersonsOwnTokenAndTheOutcomeNamesTheUpstreamAccount()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        using var refused = await gw.CallAsync("erin");

        using var linked = await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin");
        using var retried = await gw.CallAsync("erin");

        var linkedPage = await linked.Content.ReadAsStringAsync();
        Assert.True(linked.StatusCode == HttpStatusCode.OK, linkedPage + string.Join('\n', gw.Server.Refusals));
        Assert.Contains("linked", linkedPage, StringComparison.Ordinal);
        var retriedBody = await retried.Content.ReadAsStringAsync();
        Assert.True(retried.StatusCode == HttpStatusCode.OK, retriedBody);
        var token = Assert.Single(gw.Server.AccessTokens);
        Assert.Equal("Bearer " + token, Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);

        var authorize = Assert.Single(gw.Server.AuthorizationRequests);
        Assert.Equal("S256", authorize["code_challenge_method"]);
        Assert.Equal("issues.read", authorize["scope"]);
        Assert.Equal(gw.Gateway.Host.BaseAddress.GetLeftPart(UriPartial.Authority) + "/connections/demo/callback", authorize["redirect_uri"]);

        var records = await gw.Gateway.AuditRecordsAsync(Assert.Single(retried.Headers.GetValues("X-Request-Id")));
        Assert.Contains(records, r => r.TryGetProperty("upstream_account", out var a) && a.GetString() == "upstream-erin"
            && r.GetProperty("person").GetString() == "erin");
        Assert.DoesNotContain(token, retriedBody, StringComparison.Ordinal);
        Assert.DoesNotContain(token, linkedPage, StringComparison.Ordinal);
        var logged = LoggedText.Of(gw.Logs);
        Assert.DoesNotContain("at-upstream-erin", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("rt-upstream-erin", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(TestAuthorizationServer.ClientSecret, logged, StringComparison.Ordinal);
        foreach (var record in records)
        {
            Assert.DoesNotContain("at-upstream-erin", record.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Link_TwoPeople_EachIsSeenUpstreamAsTheirOwnAccount()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        using var erinRefused = await gw.CallAsync("erin");
        using var carlRefused = await gw.CallAsync("carl");

        gw.Server.User = "upstream-erin";
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(erinRefused), "erin"))
        {
        }

        gw.Server.User = "upstream-carl";
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(carlRefused), "carl"))
        {
        }

        using var erin = await gw.CallAsync("erin");
        using var carl = await gw.CallAsync("carl");

        Assert.Equal(HttpStatusCode.OK, erin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, carl.StatusCode);
        var sent = gw.Gateway.Upstream.To("/crm").Select(r => r.Headers["Authorization"]).ToList();
        Assert.Equal(2, sent.Count);
        Assert.StartsWith("Bearer at-upstream-erin-", sent[0], StringComparison.Ordinal);
        Assert.StartsWith("Bearer at-upstream-carl-", sent[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_AnswerWithAnotherIssuer_IsRefusedAndNothingIsLinked()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        using var refused = await gw.CallAsync("erin");
        gw.Server.AnsweredIss = "https://mix-up.example";

        using var callback = await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin");
        using var retried = await gw.CallAsync("erin");

        Assert.Equal(HttpStatusCode.BadRequest, callback.StatusCode);
        Assert.Contains("link_issuer_mismatch", await callback.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(gw.Server.AccessTokens);
        await ProblemAssert.IsProblemAsync(retried, HttpStatusCode.Forbidden, "upstream_account_not_linked");
    }

    [Fact]
    public async Task Link_GrantOfAnotherPerson_IsRefusedAndStaysUsableByThem()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        using var refused = await gw.CallAsync("erin");
        var link = await PerPersonGateway.LinkPathAsync(refused);

        using var mallory = await gw.FollowLinkAsync(link, "mallory");
        using var erin = await gw.FollowLinkAsync(link, "erin");

        Assert.Equal(HttpStatusCode.Forbidden, mallory.StatusCode);
        Assert.Contains("link_person_mismatch", await mallory.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, erin.StatusCode);
    }

    [Fact]
    public async Task Link_GrantUsedTwice_IsRefusedTheSecondTime()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        using var refused = await gw.CallAsync("erin");
        var link = await PerPersonGateway.LinkPathAsync(refused);

        using var first = await gw.FollowLinkAsync(link, "erin");
        using var second = await gw.FollowLinkAsync(link, "erin");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Contains("link_grant_invalid", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LinkPage_WithoutAConsoleSession_SendsThePersonToSignInAndBack()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        using var refused = await gw.CallAsync("erin");
        using var browser = ConsoleOidcSignIn.Browser(gw.People);

        using var outer = await browser.GetAsync(await PerPersonGateway.LinkPathAsync(refused));
        using var page = await browser.GetAsync(outer.Headers.Location);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        var location = page.Headers.Location!.OriginalString;
        Assert.StartsWith("/console/demo/sign-in?return=", location, StringComparison.Ordinal);
        var returnTo = QueryHelpers.ParseQuery(new Uri("http://x" + location).Query)["return"].ToString();
        Assert.StartsWith("/console/demo/connections/crm.read_contact/link?grant=", returnTo, StringComparison.Ordinal);
        using var signIn = await browser.GetAsync(location);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.StartsWith(gw.People.Provider.Issuer, signIn.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_RefreshRefused_UnlinksAndAsksToRelink()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        gw.Server.AccessTokenLifetime = 30;
        using var refused = await gw.CallAsync("erin");
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin"))
        {
        }

        gw.Server.RefuseRefresh = true;
        using var relink = await gw.CallAsync("erin");
        using var again = await gw.CallAsync("erin");

        await ProblemAssert.IsProblemAsync(relink, HttpStatusCode.Forbidden, "upstream_account_relink_required");
        Assert.Contains("link_url", await relink.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        Assert.Equal(1, gw.Server.Refreshes);
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
    }

    [Fact]
    public async Task InvokeTool_TokenAboutToExpireUnder50ConcurrentCalls_IsRefreshedOnce()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        gw.Server.AccessTokenLifetime = 30;
        using var refused = await gw.CallAsync("erin");
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin"))
        {
        }

        gw.Server.AccessTokenLifetime = 3600;
        gw.Server.RefreshGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, 50).Select(i => gw.CallAsync("erin", "c-" + i)).ToList();
        await Eventually.HoldsAsync(() => gw.Server.Refreshes >= 1, TimeSpan.FromSeconds(30), "no refresh arrived");
        gw.Server.RefreshGate.SetResult();
        var responses = await Task.WhenAll(calls);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, gw.Server.Refreshes);
        var refreshed = gw.Server.AccessTokens.Last();
        Assert.All(gw.Gateway.Upstream.To("/crm"), r => Assert.Equal("Bearer " + refreshed, r.Headers["Authorization"]));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task InvokeTool_UpstreamAcceptsTokenExchange_UsesTheExchangedTokenWithoutALink()
    {
        await using var gw = await PerPersonGateway.StartAsync(PerPersonGateway.PreRegistered.Replace("scopes: [issues.read]", "scopes: [issues.read], token_exchange: true", StringComparison.Ordinal));
        gw.Server.AcceptsTokenExchange = true;
        var person = gw.People.Provider.Issue("erin");

        using var first = await gw.People.PostAsPersonAsync("/v1/actions/invoke-tool", PerPersonGateway.ReadContact, person);
        using var second = await gw.People.PostAsPersonAsync("/v1/actions/invoke-tool", PerPersonGateway.ReadContact.Replace("c-1", "c-2", StringComparison.Ordinal), person);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(person, Assert.Single(gw.Server.ExchangedSubjectTokens));
        var exchanged = Assert.Single(gw.Server.AccessTokens);
        Assert.StartsWith("at-exchanged-upstream-erin-", exchanged, StringComparison.Ordinal);
        Assert.All(gw.Gateway.Upstream.To("/crm"), r => Assert.Equal("Bearer " + exchanged, r.Headers["Authorization"]));
        Assert.Empty(gw.Server.AuthorizationRequests);
    }

    [Fact]
    public async Task InvokeTool_UpstreamRefusesTokenExchange_FallsBackToTheLink()
    {
        await using var gw = await PerPersonGateway.StartAsync(PerPersonGateway.PreRegistered.Replace("scopes: [issues.read]", "scopes: [issues.read], token_exchange: true", StringComparison.Ordinal));

        using var response = await gw.CallAsync("erin");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
    }

    [Theory]
    [InlineData("upstream", 3600)]
    [InlineData("authorization_server", 30)]
    public async Task InvokeTool_ConnectorRepointedAfterLinking_IsNotLinkedAndTheOldTokenNeverLeaves(string repointed, int accessTokenLifetime)
    {
        await using var gw = await PerPersonGateway.StartAsync();
        await using var other = await TestAuthorizationServer.StartAsync();
        gw.Server.AccessTokenLifetime = accessTokenLifetime; // 30 s: within the refresh margin, so a call refreshes first
        using var refused = await gw.CallAsync("erin");
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin"))
        {
        }

        // The connector keeps its name; its upstream (or its authorization server) is now another real server.
        await gw.ReloadAsync(repointed == "upstream"
            ? text => text.Replace("upstream: " + gw.Gateway.Upstream.Origin + "/crm\n", "upstream: " + other.Issuer + "/crm\n", StringComparison.Ordinal)
            : text => text.Replace("authorization_server: \"" + gw.Server.Issuer + "\"", "authorization_server: \"" + other.Issuer + "\"", StringComparison.Ordinal));
        using var after = await gw.CallAsync("erin");
        using var again = await gw.CallAsync("erin", "c-2");

        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        Assert.Contains("link_url", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Forbidden, "upstream_account_not_linked");
        Assert.DoesNotContain(other.Server.Received, r => r.Body.Contains("-upstream-erin-", StringComparison.Ordinal)
            || r.Headers.Values.Any(v => v.Contains("-upstream-erin-", StringComparison.Ordinal)));
        Assert.Equal(0, other.Refreshes);
        Assert.Equal(0, gw.Server.Refreshes);
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        Assert.Null(await gw.Gateway.Host.Services.GetRequiredService<LinkedAccounts>().GetAsync(gw.KeyOf("erin"), CancellationToken.None));
    }

    [Fact]
    public async Task InvokeTool_LinkStoredWithoutABinding_IsBoundToTheConnectorAndUsed()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        var links = gw.Gateway.Host.Services.GetRequiredService<LinkedAccounts>();
        // As an earlier version stored it (or stripped it, refreshing it during a rolling upgrade): no binding recorded.
        await links.StoreAsync(gw.KeyOf("erin"), new LinkedAccount
        {
            LinkId = Guid.NewGuid().ToString("N"), AccessToken = "at-upstream-erin-unbound-5e21", LinkedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None);

        using var response = await gw.CallAsync("erin");

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("Bearer at-upstream-erin-unbound-5e21", Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);
        var adopted = await links.GetAsync(gw.KeyOf("erin"), CancellationToken.None);
        Assert.NotNull(adopted);
        Assert.Equal(gw.Binding, adopted.Binding);
        Assert.Equal("at-upstream-erin-unbound-5e21", adopted.AccessToken);
    }

    [Fact]
    public async Task Link_AuthorizationServerRepointedBeforeTheCallback_IsRefusedAndNothingIsLinked()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        await using var other = await TestAuthorizationServer.StartAsync();
        using var refused = await gw.CallAsync("erin");

        using var callback = await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin", beforeCallback: () => gw.ReloadAsync(
            text => text.Replace("authorization_server: \"" + gw.Server.Issuer + "\"", "authorization_server: \"" + other.Issuer + "\"", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.Conflict, callback.StatusCode);
        Assert.Contains("link_server_changed", await callback.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(other.Server.Received);
        Assert.Empty(gw.Server.AccessTokens);
        Assert.Null(await gw.Gateway.Host.Services.GetRequiredService<LinkedAccounts>().GetAsync(gw.KeyOf("erin"), CancellationToken.None));
    }

    [Theory]
    [InlineData(429, "slow_down")]
    [InlineData(401, "invalid_client")]
    public async Task InvokeTool_RefreshAnswered429OrInvalidClient_KeepsTheLink(int status, string error)
    {
        await using var gw = await PerPersonGateway.StartAsync();
        gw.Server.AccessTokenLifetime = 30; // within the refresh margin: every call refreshes first
        using var refused = await gw.CallAsync("erin");
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin"))
        {
        }

        var linked = Assert.Single(gw.Server.AccessTokens);
        gw.Server.RefreshAnswer = (status, error);
        using var during = await gw.CallAsync("erin");
        gw.Server.RefreshAnswer = null;
        gw.Server.AccessTokenLifetime = 3600;
        using var recovered = await gw.CallAsync("erin", "c-2");

        Assert.True(during.StatusCode == HttpStatusCode.OK, await during.Content.ReadAsStringAsync());
        Assert.True(recovered.StatusCode == HttpStatusCode.OK, await recovered.Content.ReadAsStringAsync());
        Assert.Equal(2, gw.Server.Refreshes);
        Assert.Single(gw.Server.AuthorizationRequests);
        var sent = gw.Gateway.Upstream.To("/crm").Select(r => r.Headers["Authorization"]).ToList();
        Assert.Equal(["Bearer " + linked, "Bearer " + gw.Server.AccessTokens.Last()], sent);
        var logged = LoggedText.Of(gw.Logs);
        Assert.Contains($"could not be refreshed: refused {status} {error}", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("t-upstream-erin-", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_RefreshAnswered429WithTheTokenExpired_Is503AndKeepsTheLink()
    {
        await using var gw = await PerPersonGateway.StartAsync();
        using var refused = await gw.CallAsync("erin");
        using (await gw.FollowLinkAsync(await PerPersonGateway.LinkPathAsync(refused), "erin"))
        {
        }

        await gw.ExpireLinkAsync("erin");
        gw.Server.RefreshAnswer = (429, "slow_down");
        using var during = await gw.CallAsync("erin");
        gw.Server.RefreshAnswer = null;
        using var recovered = await gw.CallAsync("erin", "c-2");

        await ProblemAssert.IsProblemAsync(during, HttpStatusCode.ServiceUnavailable, "person_credential_unavailable");
        Assert.True(recovered.StatusCode == HttpStatusCode.OK, await recovered.Content.ReadAsStringAsync());
        Assert.Equal("Bearer " + gw.Server.AccessTokens.Last(), Assert.Single(gw.Gateway.Upstream.To("/crm")).Headers["Authorization"]);
    }
}
