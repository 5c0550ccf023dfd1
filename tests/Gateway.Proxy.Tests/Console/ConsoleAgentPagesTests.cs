using System.Net;
using System.Text;
using Gateway.Audit;
using Gateway.Oversight.Agents;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing.Stores;
using Microsoft.AspNetCore.Builder;
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
    public async Task Resume_JournalFails_Is503AndTheAgentStaysSuspended()
    {
        var sink = new SwitchRecordsFail();
        await using var gw = await GovernedGateway.StartAsync(configure: sink.Install);
        var status = gw.Host.Services.GetRequiredService<AgentStatusService>();
        await status.SuspendAsync(DemoBundle.Tenant, DemoBundle.Agent, "test");
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, GovernedGateway.AdminToken);
        var page = "/console/demo/agents/" + DemoBundle.Agent + "/resume";
        using var confirm = await client.SendAsync(Get(page, session));
        var csrf = Hidden(await confirm.Content.ReadAsStringAsync(), "csrf");

        sink.Armed = true;
        using var resume = await client.SendAsync(PostForm(page, session, new Dictionary<string, string> { ["csrf"] = csrf! }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, resume.StatusCode);
        Assert.Contains("audit_unavailable", await resume.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True((await status.GetAsync(DemoBundle.Tenant, DemoBundle.Agent)).Suspended);
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

    /// <summary>The gateway's audit sink, failing the console's kill-switch records once armed.</summary>
    private sealed class SwitchRecordsFail
    {
        public bool Armed { get; set; }

        public void Install(WebApplicationBuilder builder) =>
            builder.Services.AddSingleton<IAuditStore>(sp => new Sink(ActivatorUtilities.CreateInstance<FileAuditStore>(sp), this));

        private sealed class Sink(FileAuditStore inner, SwitchRecordsFail fail) : DelegatingAuditStore(inner), IDisposable
        {
            private readonly FileAuditStore _file = inner;

            public override ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
                fail.Armed && lines.Any(static l => Encoding.UTF8.GetString(l).Contains("\"console.agent.", StringComparison.Ordinal))
                    ? throw new IOException("The audit sink is unavailable.")
                    : base.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);

            public void Dispose() => _file.Dispose();
        }
    }
}
