using System.Net;
using Gateway.Audit;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The console's audit journal of a chain holding a decision whose outcome was never appended (as a gateway killed right
/// after answering leaves it, issue #71): the chain is shown intact, with the decision counted and named "outcome unknown".
/// </summary>
public sealed class ConsoleAuditOutcomeUnknownTests
{
    [Fact]
    public async Task AuditJournalPage_DecisionWithoutItsOutcome_IntactWithOutcomeUnknownNamingTheRequest()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var read = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        await gw.Host.Services.GetRequiredService<AuditJournal>().AppendAsync(new AuditEntry
        {
            Tenant = "demo",
            Workspace = "ws-demo",
            Agent = "demo-agent",
            Tool = "crm.read_contact",
            Connector = "crm.read_contact",
            RequestId = "req-killed-after-answering",
            Decision = "allow",
            Fold = AuditFold.Decision,
        });
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, GovernedGateway.AdminToken);

        using var page = await client.SendAsync(Get("/console/demo/audit", session));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<span class=\"ok\">Intact</span>", html, StringComparison.Ordinal);
        Assert.Contains("Outcome unknown: 1 decision(s)", html, StringComparison.Ordinal);
        Assert.Contains("<code>req-killed-after-answering</code>", html, StringComparison.Ordinal);
    }
}
