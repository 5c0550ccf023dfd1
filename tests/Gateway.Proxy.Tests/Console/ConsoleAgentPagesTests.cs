using System.Net;
using Gateway.Oversight.Agents;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The console's agent kill switch: an admin confirms, then suspends a registered agent, which its status then says; a
/// change other than suspend or resume matches no page (the route's constraint).
/// </summary>
public sealed class ConsoleAgentPagesTests
{
    [Fact]
    public async Task Suspend_ConfirmedWithTheSessionsCsrfToken_SuspendsTheAgent()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, GovernedGateway.AdminToken);
        var page = "/console/demo/agents/" + DemoBundle.Agent + "/suspend";

        using var confirm = await client.SendAsync(Get(page, session));
        var csrf = Hidden(await confirm.Content.ReadAsStringAsync(), "csrf");
        using var suspend = await client.SendAsync(PostForm(page, session, new Dictionary<string, string> { ["csrf"] = csrf! }));

        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, suspend.StatusCode);
        Assert.Equal("/console/demo/agents", suspend.Headers.Location?.OriginalString);
        var status = await gw.Host.Services.GetRequiredService<AgentStatusService>().GetAsync(DemoBundle.Tenant, DemoBundle.Agent);
        Assert.True(status.Suspended);
    }

    [Fact]
    public async Task AgentPage_AChangeOtherThanSuspendOrResume_IsNotFound()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, GovernedGateway.AdminToken);

        using var delete = await client.SendAsync(Get("/console/demo/agents/" + DemoBundle.Agent + "/delete", session));

        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
    }
}
