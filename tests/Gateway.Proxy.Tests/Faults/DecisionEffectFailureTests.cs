using System.Net;
using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Incidents;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// What a decision asks to be written (an approval opened, a warrant redeemed) is carried out after the decision is
/// recorded. When that fails, the request ends in a refusal that is recorded as the decision's outcome, and nothing is
/// forwarded: the gateway's real approval and incident stores (on the embedded state store), failing on purpose at the
/// one call the test names.
/// </summary>
public sealed class DecisionEffectFailureTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-7","amount":25}}""";
    private readonly FailingApprovalStore.Faults _faults = new();
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(configure: builder =>
    {
        builder.Services.AddSingleton<IApprovalStore>(sp => new FailingApprovalStore(new StateStoreApprovalStore(sp.GetRequiredService<IStateStore>()), _faults));
        builder.Services.AddSingleton<IIncidentStore>(sp => new FailingIncidentStore(new StateStoreIncidentStore(sp.GetRequiredService<IStateStore>()), _faults));
    });

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task RequireApproval_StoreFailsOpeningTheApproval_IsARecordedRefusalAndNoApprovalExists()
    {
        _faults.OnCreate = () => new StateStoreUnavailableException("test: the approval store is down");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);

        var refused = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        Assert.False(refused.TryGetProperty("approval", out _));
        var records = await _gw.AuditRecordsAsync(RequestId(response));
        Assert.Equal(2, records.Count);
        var (decision, outcome) = (records[0], records[1]);
        Assert.Equal("require_approval", decision.GetProperty("decision").GetString());
        Assert.Equal(409, decision.GetProperty("status_code").GetInt32());
        var approvalId = decision.GetProperty("approval_id").GetString();
        Assert.StartsWith("apr_", approvalId, StringComparison.Ordinal);
        Assert.Equal(503, outcome.GetProperty("status_code").GetInt32());
        Assert.False(outcome.GetProperty("invoked").GetBoolean());

        // The approval the record names was never opened: no approver can approve it, no warrant can come of it.
        using var approval = await (await AliceAsync()).GetAsync($"/admin/v1/tenants/demo/approvals/{approvalId}");
        Assert.Equal(HttpStatusCode.NotFound, approval.StatusCode);
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    [Fact]
    public async Task RequireApproval_UnexpectedFailureOpeningTheApproval_IsARecordedInternalRefusal()
    {
        _faults.OnCreate = () => new InvalidOperationException("test: a bug in the approval store");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, "internal_error");
        var records = await _gw.AuditRecordsAsync(RequestId(response));
        Assert.Equal([409, 500], records.Select(r => r.GetProperty("status_code").GetInt32()));
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    [Fact]
    public async Task RequireApproval_ApprovalOpened_CarriesTheReceiptOfItsRecordedDecision()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);

        var refused = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
        var approvalId = refused.GetProperty("approval").GetProperty("id").GetString();
        using var approval = await (await AliceAsync()).GetAsync($"/admin/v1/tenants/demo/approvals/{approvalId}");
        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
        var opened = JsonDocument.Parse(await approval.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(Assert.Single(response.Headers.GetValues("Gamut-Receipt")), opened.GetProperty("receipt").GetString());
        Assert.Equal(approvalId, Assert.Single(await _gw.AuditRecordsAsync(RequestId(response))).GetProperty("approval_id").GetString());
    }

    [Fact]
    public async Task Warrant_RedeemedByAnotherReplicaAfterTheDecision_IsARecordedRefusalAndNothingForwarded()
    {
        var warrant = await ApprovedWarrantAsync();
        // Between this request's check of the warrant (Decide) and its redemption (after Record), another replica uses it.
        _faults.BeforeUse = true;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant));

        var refused = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Contains("warrant_already_used", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(refused.GetProperty("invoked").GetBoolean());
        var records = await _gw.AuditRecordsAsync(RequestId(response));
        Assert.Equal(2, records.Count);
        Assert.Equal("allow_and_log", records[0].GetProperty("decision").GetString());
        Assert.Equal(409, records[1].GetProperty("status_code").GetInt32());
        Assert.False(records[1].GetProperty("invoked").GetBoolean());
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    [Fact]
    public async Task BlockAndOpenIncident_StoreFailsOpeningTheIncident_IsARecordedRefusalAndNoIncidentExists()
    {
        _faults.OnCreate = () => new StateStoreUnavailableException("test: the incident store is down");

        using var response = await _gw.Rogue.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"shell.exec","args":{"cmd":"curl"}}""");

        var refused = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        Assert.False(refused.TryGetProperty("incident_id", out _));
        var records = await _gw.AuditRecordsAsync(RequestId(response));
        Assert.Equal(["block_and_open_incident", "block_and_open_incident"], records.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal([403, 503], records.Select(r => r.GetProperty("status_code").GetInt32()));
        _faults.OnCreate = null;
        using var list = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/incidents");
        Assert.Empty((await DecisionJson.ReadAsync(list, HttpStatusCode.OK)).GetProperty("incidents").EnumerateArray());
    }

    private async Task<string> ApprovedWarrantAsync() =>
        (await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, await AliceAsync(), Refund)).Warrant;

    private async Task<HttpClient> AliceAsync() => _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));

    private static string WithWarrant(string body, string warrant) => ApprovalCalls.WithWarrant(body, warrant);

    private static string RequestId(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("X-Request-Id"));

    /// <summary>The gateway's own approval store, which fails where <see cref="Faults"/> says (every other call is the real one).</summary>
    private sealed class FailingApprovalStore(IApprovalStore inner, FailingApprovalStore.Faults faults) : IApprovalStore
    {
        public sealed class Faults
        {
            /// <summary>The exception every approval request or incident creation throws (null: the real store).</summary>
            public Func<Exception>? OnCreate { get; set; }

            /// <summary>True: the next warrant use finds the warrant used by someone else first.</summary>
            public bool BeforeUse { get; set; }
        }

        public ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            faults.OnCreate is { } fault ? throw fault() : inner.TryCreateAsync(request, lifetime, cancellationToken);

        public async ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default)
        {
            if (faults.BeforeUse)
            {
                faults.BeforeUse = false;
                Assert.True(await inner.TryUseWarrantAsync(tenant, approvalId, lifetime, cancellationToken));
            }

            return await inner.TryUseWarrantAsync(tenant, approvalId, lifetime, cancellationToken);
        }

        public ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetAsync(tenant, id, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListRecentAsync(string tenant, int window, CancellationToken cancellationToken = default) => inner.ListRecentAsync(tenant, window, cancellationToken);

        public ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, ApprovalVoter voter, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            inner.AddVoteAsync(tenant, id, voter, lifetime, cancellationToken);

        public ValueTask<IReadOnlyList<string>> GetVotersAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetVotersAsync(tenant, id, cancellationToken);

        public ValueTask<ApprovalOutcomeDocument?> GetOutcomeAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetOutcomeAsync(tenant, id, cancellationToken);

        public ValueTask<bool> TrySettleAsync(string tenant, string id, ApprovalOutcomeDocument outcome, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
            inner.TrySettleAsync(tenant, id, outcome, lifetime, cancellationToken);

        public ValueTask<bool> IsWarrantUsedAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) => inner.IsWarrantUsedAsync(tenant, approvalId, cancellationToken);
    }

    /// <summary>The gateway's own incident store, whose appends fail while <see cref="FailingApprovalStore.Faults.OnCreate"/> is set.</summary>
    private sealed class FailingIncidentStore(IIncidentStore inner, FailingApprovalStore.Faults faults) : IIncidentStore
    {
        public ValueTask AppendAsync(Incident incident, bool notify, CancellationToken cancellationToken = default) =>
            faults.OnCreate is { } fault ? throw fault() : inner.AppendAsync(incident, notify, cancellationToken);

        public ValueTask<IReadOnlyList<Incident>> ListAsync(string tenant, int limit, CancellationToken cancellationToken = default) => inner.ListAsync(tenant, limit, cancellationToken);

        public ValueTask<IReadOnlyList<IncidentOutboxEntry>> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max, CancellationToken cancellationToken = default) =>
            inner.ClaimDueAsync(now, leaseUntil, max, cancellationToken);

        public ValueTask RecordDeliveryAsync(string tenant, string incidentId, IncidentDelivery delivery, CancellationToken cancellationToken = default) =>
            inner.RecordDeliveryAsync(tenant, incidentId, delivery, cancellationToken);
    }
}
