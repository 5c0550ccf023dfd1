using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The console's runs pages, read only: a run a real signed agent started and acted in is listed, filtered by status, and
/// its story shows its start and its action from the audit journal; an unknown run is 404; an approver-only session is refused.
/// </summary>
public sealed class ConsoleRunPagesTests
{
    [Fact]
    public async Task Runs_AgentsRun_IsListedAndItsStoryShowsTheStartAndTheAction()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);
        var run = await RunCalls.StartIdAsync(gw.Agent);
        using (var acted = await RunCalls.InRunAsync(gw.Agent, run))
        {
            Assert.Equal(HttpStatusCode.OK, acted.StatusCode);
        }

        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("runs-auditor", "auditor"));

        using var list = await client.SendAsync(Get("/console/demo/runs", session));
        using var completed = await client.SendAsync(Get("/console/demo/runs?status=completed", session));
        using var story = await client.SendAsync(Get("/console/demo/runs/" + run, session));
        var listed = await list.Content.ReadAsStringAsync();
        var told = await story.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains(run, listed, StringComparison.Ordinal);
        Assert.Contains("read a contact", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(run, await completed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, story.StatusCode);
        Assert.Contains("<dt>Status</dt><dd>active</dd>", told, StringComparison.Ordinal);
        Assert.Contains("run created", told, StringComparison.Ordinal);
        Assert.Contains("crm.read_contact", told, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunStory_UnknownRun_IsNotFound()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, GovernedGateway.AdminToken);

        using var story = await client.SendAsync(Get("/console/demo/runs/run-0123456789abcdef0123456789abcdef", session));

        Assert.Equal(HttpStatusCode.NotFound, story.StatusCode);
        Assert.Contains("run_not_found", await story.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_ApproverOnlySession_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("bob", "approver"));

        using var list = await client.SendAsync(Get("/console/demo/runs", session));

        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Contains("console_role_required", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
