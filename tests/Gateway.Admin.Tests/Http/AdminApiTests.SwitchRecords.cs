using System.Net;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Audit;
using Gateway.Oversight.Agents;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Tests.Http;

/// <summary>A kill switch is written to the tenant's chain before it changes: a journal that cannot take the record leaves the switch as it was.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Resume_JournalFails_Is503AndTheAgentStaysSuspended()
    {
        await using var host = await StartWithFailingSwitchAsync();
        var sink = (FailingSwitch)host.Get<IAuditStore>();
        using var admin = host.Client(AdminTestServices.BootstrapToken);
        using (var suspend = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/agents/agent-1/suspend", null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        sink.Failing = true;
        using var resume = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/agents/agent-1/resume", null);
        using var restore = await admin.PostAsync($"/admin/v1/tenants/{_tenant}/agents/agent-1/restore-secret", null);

        await AssertProblemAsync(resume, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        await AssertProblemAsync(restore, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        Assert.True((await host.Get<AgentStatusService>().GetAsync(_tenant, "agent-1")).Suspended);
    }

    /// <summary>A host whose journal is a <see cref="FailingSwitch"/> (its <see cref="IAuditStore"/>) over the state store, the tenant registered.</summary>
    private async Task<AdminTestHost> StartWithFailingSwitchAsync()
    {
        var host = await AdminTestHost.StartAsync(configureServices: s =>
            s.AddSingleton<IAuditStore>(sp => new FailingSwitch(new StoreAuditStore(sp.GetRequiredService<IStateStore>()))));
        host.Register.Add(_tenant, approvers: ["alice"], agents: ["agent-1"]);
        return host;
    }
}
