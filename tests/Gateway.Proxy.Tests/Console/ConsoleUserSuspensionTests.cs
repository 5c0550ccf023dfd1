using System.Net;
using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// Suspending a console user suspends the person, not only their console sessions: an approver token bound to the person
/// they signed in as (at the tenant's OpenID provider, <see cref="TestOpenIdProvider"/>) is refused on the admin API
/// (403 <c>person_suspended</c>: no vote, no list, no revocation as them) until the user is resumed.
/// </summary>
public sealed class ConsoleUserSuspensionTests
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-11","amount":15}}""";

    [Fact]
    public async Task Approve_ByTheApproverTokenOfASuspendedConsoleUser_IsRefusedUntilResumed()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var browser = Browser(gw);
        await SignInAsync(gw, browser, "bob", ["approvers"]);
        var bob = gw.Gateway.Admin(await gw.Gateway.IssueTokenAsync("bob", "approver"));
        var approvalId = await ApprovalCalls.RequestApprovalAsync(gw.Gateway.Agent, Refund);

        await PostAdminAsync(gw, "/admin/v1/tenants/demo/console-users/bob/suspend");
        using var vote = await bob.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);
        using var list = await bob.GetAsync("/admin/v1/tenants/demo/approvals/");
        using var revoke = await bob.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/revoke", null);

        await ProblemAssert.IsProblemAsync(vote, HttpStatusCode.Forbidden, "person_suspended");
        await ProblemAssert.IsProblemAsync(list, HttpStatusCode.Forbidden, "person_suspended");
        await ProblemAssert.IsProblemAsync(revoke, HttpStatusCode.Forbidden, "person_suspended");
        Assert.Equal("pending", (await ApprovalCalls.PollAsync(gw.Gateway.Agent, approvalId)).GetProperty("status").GetString());

        await PostAdminAsync(gw, "/admin/v1/tenants/demo/console-users/bob/resume");
        using var resumed = await bob.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("approved", JsonDocument.Parse(await resumed.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Approve_ByAnotherApproversTokenWhileOneIsSuspended_IsAccepted()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var browser = Browser(gw);
        await SignInAsync(gw, browser, "bob", ["approvers"]);
        var alice = gw.Gateway.Admin(await gw.Gateway.IssueTokenAsync("alice", "approver"));
        var approvalId = await ApprovalCalls.RequestApprovalAsync(gw.Gateway.Agent, Refund);

        await PostAdminAsync(gw, "/admin/v1/tenants/demo/console-users/bob/suspend");
        using var vote = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);

        Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
    }

    [Fact]
    public async Task Approve_SecondApproverAfterTheFirstVoterWasSuspended_StaysPending()
    {
        await using var gw = await PersonGateway.StartAsync(settings: DemoRoles);
        using var alicesBrowser = Browser(gw);
        await SignInAsync(gw, alicesBrowser, "alice", ["approvers"]);
        var approvals = gw.Gateway.Host.Services.GetRequiredService<ApprovalService>();
        var request = await approvals.CreateAsync("demo", DemoBundle.Agent, "payments.refund", "digest", "policy", null, "gate-1",
            ["alice", "bob"], 2, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        // Alice's approver token (leaked, say) votes; then her console user is suspended.
        using (var first = await gw.Gateway.Admin(await gw.Gateway.IssueTokenAsync("alice", "approver")).PostAsync($"/admin/v1/tenants/demo/approvals/{request.Id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await PostAdminAsync(gw, "/admin/v1/tenants/demo/console-users/alice/suspend");
        using var bobsBrowser = Browser(gw);
        var session = await SignInAsync(gw, bobsBrowser, "bob", ["approvers"]);
        string csrf;
        using (var page = await bobsBrowser.SendAsync(ConsoleHttp.Get("/console/demo/approvals", session)))
        {
            csrf = ConsoleHttp.Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
        }

        using var second = await bobsBrowser.SendAsync(ConsoleHttp.PostForm($"/console/demo/approvals/{request.Id}/approve", session,
            new Dictionary<string, string> { ["csrf"] = csrf, ["reason"] = "checked with the customer" }));

        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        var stored = (await approvals.GetAsync("demo", request.Id))!;
        Assert.Equal(ApprovalStatus.Pending, stored.Status);
        Assert.Null(stored.DecidedAt);
    }

    private static async Task PostAdminAsync(PersonGateway gw, string path)
    {
        using var response = await gw.Gateway.Admin().PostAsync(path, content: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
