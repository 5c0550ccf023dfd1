using System.Net;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Audit;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Register;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Admin.Tests.Http;

/// <summary>Approvals over the admin API where the register cannot name the person acted for, where the journal cannot take the vote's record, and where the store fails the vote after it.</summary>
public sealed partial class AdminApiTests
{
    private const string ActedForWithoutRegisterId =
        """{"actor_chain":[{"kind":"person","id":"00u1alice"},{"kind":"agent","id":"agent-1"}],"person":{"subject":"00u1alice","issuer":"https://idp.example","groups":[]}}""";

    private const string ActedForDave =
        """{"actor_chain":[{"kind":"person","id":"00u1dave"},{"kind":"agent","id":"agent-1"}],"person":{"subject":"00u1dave","issuer":"https://idp.example","groups":[],"register_id":"dave@corp"}}""";

    [Fact]
    public async Task Approve_ByThePersonActedForWhosePersonTokenCarriedNoVerifiedEmail_Is403OwnRequest()
    {
        // The tenant names people by email; Alice's person token had no verified email, so the request knows her only by her sub.
        var register = new EmailNamedRegister();
        register.Add(_tenant, approvers: ["alice@corp", "bob@corp"], agents: ["agent-1"]);
        await using var host = await AdminTestHost.StartAsync(configureServices: s => s.Replace(ServiceDescriptor.Singleton<IRegisterDirectory>(register)));
        var approvals = host.Get<ApprovalService>();
        var forAlice = await approvals.CreateAsync(_tenant, "agent-1", "payments.transfer", "digest", "policy", ActedForWithoutRegisterId, "gate-1",
            ["alice@corp", "bob@corp"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        var forDave = await approvals.CreateAsync(_tenant, "agent-1", "payments.transfer", "digest", "policy", ActedForDave, "gate-1",
            ["alice@corp", "bob@corp"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        using var alice = host.Client(await host.IssueApproverAsync(_tenant, "alice@corp"));

        using var own = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{forAlice.Id}/approve", null);
        using var denied = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{forAlice.Id}/deny", null);
        using var others = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{forDave.Id}/approve", null);

        await AssertProblemAsync(own, HttpStatusCode.Forbidden, "approval_own_request");
        await AssertProblemAsync(denied, HttpStatusCode.Forbidden, "approval_own_request");
        Assert.Equal(ApprovalStatus.Pending, (await approvals.GetAsync(_tenant, forAlice.Id))!.Status);
        Assert.Equal(HttpStatusCode.OK, others.StatusCode);
    }

    [Fact]
    public async Task Approve_JournalFails_Is503AndTheVoteIsNotCounted()
    {
        var sink = (FailingSwitch?)null;
        await using var host = await AdminTestHost.StartAsync(configureServices: s =>
            s.AddSingleton<IAuditStore>(sp => sink = new FailingSwitch(new StoreAuditStore(sp.GetRequiredService<IStateStore>()))));
        host.Register.Add(_tenant, approvers: ["alice", "bob"], agents: ["agent-1"]);
        var approvals = host.Get<ApprovalService>();
        var request = await approvals.CreateAsync(_tenant, "agent-1", "payments.transfer", "digest", "policy", null, "gate-1",
            ["alice", "bob"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        using var alice = host.Client(await host.IssueApproverAsync(_tenant, "alice"));
        sink!.Failing = true;

        using var approve = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);
        using var deny = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/deny", null);

        await AssertProblemAsync(approve, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        await AssertProblemAsync(deny, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        var stored = (await approvals.GetAsync(_tenant, request.Id))!;
        Assert.Equal(ApprovalStatus.Pending, stored.Status);
        Assert.Empty(stored.Approvals);
        Assert.Null(stored.DecidedAt);
    }

    [Fact]
    public async Task Approve_StoreFailsAfterTheRecord_RecordsAdminRefused()
    {
        await using var host = await AdminTestHost.StartAsync(configureServices: s =>
            s.AddSingleton<IApprovalStore>(sp => new VotesFail(new StateStoreApprovalStore(sp.GetRequiredService<IStateStore>()))));
        host.Register.Add(_tenant, approvers: ["alice", "bob"], agents: ["agent-1"]);
        var approvals = host.Get<ApprovalService>();
        var request = await approvals.CreateAsync(_tenant, "agent-1", "payments.transfer", "digest", "policy", null, "gate-1",
            ["alice", "bob"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        using var alice = host.Client(await host.IssueApproverAsync(_tenant, "alice"));

        using var approve = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null);

        await AssertProblemAsync(approve, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        var records = await host.Get<AuditJournal>().ReadAsync(_tenant, 0, 10);
        var alices = records.Where(r => r.GetProperty("actor").GetString()!.StartsWith("alice-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["admin_action", "admin_refused"], alices.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal([200, 503], alices.Select(r => r.GetProperty("status_code").GetInt32()));
        Assert.All(alices, r => Assert.Equal(("admin.approval.approve", request.Id), (r.GetProperty("tool").GetString(), r.GetProperty("approval_id").GetString())));
        Assert.Single(alices.Select(r => r.GetProperty("request_id").GetString()).Distinct());
        Assert.Empty((await approvals.GetAsync(_tenant, request.Id))!.Approvals);
    }

    [Fact]
    public async Task Approve_VoteRefusedAfterItsRecord_TheRefusalIsRecordedUnderTheSameRequestId()
    {
        var request = await CreateApprovalAsync(required: 1);
        using var alice = _host.Client(await _host.IssueApproverAsync(_tenant, "alice"));
        using var bob = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));
        using (var first = await alice.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var late = await bob.PostAsync($"/admin/v1/tenants/{_tenant}/approvals/{request.Id}/deny", null);

        await AssertProblemAsync(late, HttpStatusCode.Conflict, "approval_not_pending");
        var records = await _host.Get<AuditJournal>().ReadAsync(_tenant, 0, 10);
        var bobs = records.Where(r => r.GetProperty("actor").GetString()!.StartsWith("bob-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["admin_action", "admin_refused"], bobs.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal([200, 409], bobs.Select(r => r.GetProperty("status_code").GetInt32()));
        Assert.All(bobs, r => Assert.Equal(("admin.approval.deny", request.Id), (r.GetProperty("tool").GetString(), r.GetProperty("approval_id").GetString())));
        Assert.Single(bobs.Select(r => r.GetProperty("request_id").GetString()).Distinct());
    }

    /// <summary>A register whose tenants name people by another claim than <c>sub</c> (the console's <c>PersonClaim: email</c>).</summary>
    private sealed class EmailNamedRegister : IRegisterDirectory, IRegisterPersonClaim
    {
        private readonly TestRegister _inner = new();

        public void Add(string tenant, IReadOnlyList<string> approvers, IReadOnlyList<string> agents) => _inner.Add(tenant, approvers, agents);

        public bool HasTenant(string tenant) => _inner.HasTenant(tenant);

        public bool HasAgent(string tenant, string agent) => _inner.HasAgent(tenant, agent);

        public bool IsApprover(string tenant, string person) => _inner.IsApprover(tenant, person);

        public bool OwnsAgent(string tenant, string agent, string person) => _inner.OwnsAgent(tenant, agent, person);

        public bool NamesPeopleBySubject(string tenant) => false;
    }

    /// <summary>The approval store, its every vote failing as an unavailable store fails it (the rest as the store it wraps).</summary>
    private sealed class VotesFail(IApprovalStore inner) : IApprovalStore
    {
        public ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, ApprovalVoter voter, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<ApprovalTally>(new StateStoreUnavailableException("Injected: the store went down."));

        public ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default) => inner.TryCreateAsync(request, lifetime, cancellationToken);

        public ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetAsync(tenant, id, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListRecentAsync(string tenant, int window, CancellationToken cancellationToken = default) => inner.ListRecentAsync(tenant, window, cancellationToken);

        public ValueTask<IReadOnlyList<string>> GetVotersAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetVotersAsync(tenant, id, cancellationToken);

        public ValueTask<ApprovalOutcomeDocument?> GetOutcomeAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetOutcomeAsync(tenant, id, cancellationToken);

        public ValueTask<bool> TrySettleAsync(string tenant, string id, ApprovalOutcomeDocument outcome, TimeSpan lifetime, CancellationToken cancellationToken = default) => inner.TrySettleAsync(tenant, id, outcome, lifetime, cancellationToken);

        public ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) => inner.TryUseWarrantAsync(tenant, approvalId, lifetime, cancellationToken);

        public ValueTask<bool> IsWarrantUsedAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) => inner.IsWarrantUsedAsync(tenant, approvalId, cancellationToken);
    }

    /// <summary>The admin API's audit sink, failing every append once switched (its store unreachable, its disk full).</summary>
    private sealed class FailingSwitch(IAuditStore inner) : DelegatingAuditStore(inner)
    {
        public bool Failing { get; set; }

        public override ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
            Failing
                ? throw new IOException("The audit sink is unavailable.")
                : base.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
    }
}
