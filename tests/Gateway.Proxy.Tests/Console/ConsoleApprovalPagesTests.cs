using System.Net;
using System.Text;
using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Notifications;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// Approving in the console writes the person's decision and reason to the tenant's chain before the vote is cast: a journal
/// that cannot take it is a 503 <c>audit_unavailable</c>, and the vote does not count; a vote recorded and then refused is
/// not listed among the decisions so far, nor is one recorded and then failed by the store.
/// </summary>
public sealed class ConsoleApprovalPagesTests
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"c-9","amount":9999}}""";

    [Fact]
    public async Task Approve_JournalFails_Is503AndTheVoteIsNotCounted()
    {
        var sink = new ConsoleRecordsFail();
        await using var gw = await GovernedGateway.StartAsync(configure: sink.Install);
        var id = await ApprovalCalls.RequestApprovalAsync(gw.Agent, Refund);
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("bob", "approver"));
        string csrf;
        using (var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session)))
        {
            csrf = Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
        }

        sink.Armed = true;
        using var response = await client.SendAsync(PostForm("/console/demo/approvals/" + id + "/approve", session,
            new Dictionary<string, string> { ["csrf"] = csrf, ["reason"] = "refund agreed with the customer" }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("audit_unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var stored = (await gw.Host.Services.GetRequiredService<ApprovalService>().GetAsync("demo", id))!;
        Assert.Equal(ApprovalStatus.Pending, stored.Status);
        Assert.Empty(stored.Approvals);
        var poll = await ApprovalCalls.PollAsync(gw.Agent, id);
        Assert.Equal("pending", poll.GetProperty("status").GetString());
        Assert.False(DecisionJson.Has(poll, "warrant"));
    }

    [Fact]
    public async Task Notifications_ToolInputSchemas_AreTheLoadedCatalogsAsTheConsoleReadsThem()
    {
        await using var gw = await GovernedGateway.StartAsync();

        var schemas = gw.Host.Services.GetRequiredService<IToolInputSchemas>();

        Assert.Contains("\"amount\"", schemas.InputSchemaOf("demo", "payments.refund"), StringComparison.Ordinal);
        Assert.Null(schemas.InputSchemaOf("demo", "no.such.tool"));
    }

    [Fact]
    public async Task History_AVoteRecordedThenRefused_IsNotListed()
    {
        await using var gw = await GovernedGateway.StartAsync();
        var id = await ApprovalCalls.RequestApprovalAsync(gw.Agent, Refund);
        var journal = gw.Host.Services.GetRequiredService<AuditJournal>();
        await journal.AppendAsync(ConsoleVote("console.approval.approve", "r-refused", "console:erin", id));
        await journal.AppendAsync(ConsoleVote("console.approval.approve_refused", "r-refused", "console:erin", id));
        await journal.AppendAsync(ConsoleVote("console.approval.approve", "r-counted", "console:carol", id));
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("bob", "approver"));

        using var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<strong>carol</strong> approved", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<strong>erin</strong> approved", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_VoteRecordedThenStoreFailed_IsNotListed()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => VotesFail(store))));
        var id = await ApprovalCalls.RequestApprovalAsync(gw.Agent, Refund);
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("bob", "approver"));
        string csrf;
        using (var page = await client.SendAsync(Get("/console/demo/approvals/" + id, session)))
        {
            csrf = Hidden(await page.Content.ReadAsStringAsync(), "csrf")!;
        }

        using var response = await client.SendAsync(PostForm("/console/demo/approvals/" + id + "/approve", session,
            new Dictionary<string, string> { ["csrf"] = csrf, ["reason"] = "refund agreed with the customer" }));
        using var after = await client.SendAsync(Get("/console/demo/approvals/" + id, session));
        var html = await after.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(ProblemCodes.StoreUnavailable, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.DoesNotContain("<strong>bob</strong> approved", html, StringComparison.Ordinal);
        Assert.Contains("Nobody has decided yet.", html, StringComparison.Ordinal);
        var refused = await gw.Host.Services.GetRequiredService<AuditJournal>().QueryAsync("demo", new AuditQuery { Tool = "console.approval.approve_refused" });
        Assert.Contains("store_unavailable", Assert.Single(refused.Records).GetProperty("explanation").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static AuditEntry ConsoleVote(string tool, string requestId, string actor, string approvalId) => new()
    {
        Tenant = "demo",
        Agent = DemoBundle.Agent,
        Tool = tool,
        RequestId = requestId,
        Decision = "admin_action",
        StatusCode = 200,
        Actor = actor,
        ApprovalId = approvalId,
    };

    // The store, with every vote on an approval failing as an unavailable store fails it.
    private static IStateStore VotesFail(IStateStore inner) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.SetAddAsync) && args is [string key, ..] && key.Contains(":approval-votes:", StringComparison.Ordinal)
                ? ValueTask.FromException<long>(new StateStoreUnavailableException("Injected: the store went down."))
                : call());

    /// <summary>The gateway's own audit sink (the file journal), failing, once armed, every append that carries a console approval's record.</summary>
    private sealed class ConsoleRecordsFail
    {
        public bool Armed { get; set; }

        public void Install(WebApplicationBuilder builder) =>
            builder.Services.AddSingleton<IAuditStore>(sp => new Sink(ActivatorUtilities.CreateInstance<FileAuditStore>(sp), this));

        private sealed class Sink(FileAuditStore inner, ConsoleRecordsFail fail) : DelegatingAuditStore(inner), IDisposable
        {
            private readonly FileAuditStore _file = inner;

            public override ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
                fail.Armed && lines.Any(static l => Encoding.UTF8.GetString(l).Contains("\"console.approval.", StringComparison.Ordinal))
                    ? throw new IOException("The audit sink is unavailable.")
                    : base.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);

            public void Dispose() => _file.Dispose();
        }
    }
}
