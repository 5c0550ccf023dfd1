using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// Admin-token sign-in, for <c>make run</c> (Development) only: bob's approver token signs him in and approves a refund a
/// real signed agent request left pending, and the agent's retry with the warrant is forwarded; an unknown token, a form
/// not opened in this browser and a token of another tenant are refused; revoking the token ends its session; outside
/// Development the routes do not exist.
/// </summary>
public sealed class ConsoleTokenSignInTests
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"c-1","amount":25}}""";

    [Fact]
    public async Task TokenSignIn_Development_ApproverApprovesAndTheRetryIsForwarded()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);
        var approval = await ApprovalCalls.RequestApprovalAsync(gw.Agent, Refund);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("bob", "approver"));

        using var queue = await client.SendAsync(Get("/console/demo/approvals", session));
        var html = await queue.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, queue.StatusCode);
        Assert.Contains(approval, html, StringComparison.Ordinal);
        using var detail = await client.SendAsync(Get("/console/demo/approvals/" + approval, session));
        var csrf = Hidden(await detail.Content.ReadAsStringAsync(), "csrf")!;
        using var approve = await client.SendAsync(PostForm($"/console/demo/approvals/{approval}/approve", session,
            new Dictionary<string, string> { ["csrf"] = csrf, ["reason"] = "order checked" }));

        Assert.Equal(HttpStatusCode.Redirect, approve.StatusCode);
        var poll = await ApprovalCalls.PollAsync(gw.Agent, approval);
        Assert.Equal("approved", poll.GetProperty("status").GetString());
        using var retry = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, poll.GetProperty("warrant").GetString()!));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Single(gw.Upstream.To("/payments/refunds"));
    }

    [Fact]
    public async Task TokenSignIn_AdminToken_GetsTheAdminPagesButNoApprovalQueue()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);

        var session = await TokenSignInAsync(client, GovernedGateway.AdminToken);

        using var audit = await client.SendAsync(Get("/console/demo/audit", session));
        using var queue = await client.SendAsync(Get("/console/demo/approvals", session));
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, queue.StatusCode);
        Assert.Contains("console_role_required", await queue.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenSignIn_TokenRevokedAfterSignIn_TheSessionEndsOnItsNextRequest()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("carol", "auditor"));
        using var before = await client.SendAsync(Get("/console/demo/audit", session));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using var revoke = await gw.Admin().DeleteAsync("/admin/v1/tokens/carol");
        using var after = await client.SendAsync(Get("/console/demo/audit", session));

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/console/demo/sign-in", after.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task TokenSignIn_UnknownToken_IsRefusedAndNoSessionStarts()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);

        using var response = await TokenFormPostAsync(client, "gwa_not-a-token");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("console_admin_token_invalid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("gamut_console=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenSignIn_FormNotOpenedInThisBrowser_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);

        using var response = await client.SendAsync(PostForm("/console/demo/token-sign-in", cookie: null,
            new Dictionary<string, string> { ["check"] = "forged", ["token"] = GovernedGateway.AdminToken }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("console_state_mismatch", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenSignIn_OutsideDevelopment_IsNotOffered()
    {
        await using var gw = await GovernedGateway.StartAsync(environment: Environments.Production);
        using var client = Browser(gw.Host.BaseAddress);

        using var form = await client.GetAsync("/console/demo/token-sign-in");
        using var post = await client.SendAsync(PostForm("/console/demo/token-sign-in", cookie: null,
            new Dictionary<string, string> { ["check"] = "x", ["token"] = GovernedGateway.AdminToken }));
        using var home = await client.GetAsync("/console");

        Assert.Equal(HttpStatusCode.NotFound, form.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var html = await home.Content.ReadAsStringAsync();
        Assert.DoesNotContain("token-sign-in", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign in through your organisation's identity provider", html, StringComparison.Ordinal);
        Assert.Contains("nobody can sign in yet", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Home_DevelopmentWithoutAnIdentityProvider_OffersTheAdminTokenAndPromisesNoProvider()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);

        using var home = await client.GetAsync("/console");

        var html = await home.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.DoesNotContain("Sign in through your organisation's identity provider", html, StringComparison.Ordinal);
        Assert.Contains("No tenant has an identity provider for the console yet", html, StringComparison.Ordinal);
        Assert.Contains("/console/demo/token-sign-in", html, StringComparison.Ordinal);
    }
}
