using System.Net;
using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>A vote cast in a console session started with an admin token is kept with that token: revoked, the vote no longer counts.</summary>
public sealed class ConsoleRevokedVoterTests
{
    [Fact]
    public async Task Approve_SecondApproverAfterTheFirstVotersConsoleTokenWasRevoked_StaysPending()
    {
        await using var gw = await GovernedGateway.StartAsync();
        var approvals = gw.Host.Services.GetRequiredService<ApprovalService>();
        var request = await approvals.CreateAsync("demo", DemoBundle.Agent, "payments.refund", "digest", "policy", null, "gate-1",
            ["alice", "bob"], 2, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("alice", "approver"));
        string csrf;
        using (var page = await client.SendAsync(Get("/console/demo/approvals/" + request.Id, session)))
        {
            csrf = Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
        }

        using (var first = await client.SendAsync(PostForm("/console/demo/approvals/" + request.Id + "/approve", session,
            new Dictionary<string, string> { ["csrf"] = csrf, ["reason"] = "refund agreed with the customer" })))
        {
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        }

        using (var revoke = await gw.Admin().DeleteAsync("/admin/v1/tokens/alice?tenant=demo"))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var bob = gw.Admin(await gw.IssueTokenAsync("bob", "approver"));
        using var second = await bob.PostAsync($"/admin/v1/tenants/demo/approvals/{request.Id}/approve", null);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("pending", JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        Assert.Null((await approvals.GetAsync("demo", request.Id))!.DecidedAt);
    }
}
