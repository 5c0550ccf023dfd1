using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Audit;
using Gateway.Admin.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Tests.Http;

/// <summary>The audit routes of the admin API: verify, query and receipts, and the parameters each refuses.</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task AuditVerify_AfterDecisions_IsIntact()
    {
        await _host.Get<AuditJournal>().AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        using var auditor = _host.Client(await _host.IssueTokenAsync("audrey", AdminRoles.Auditor));

        var result = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/verify");

        Assert.True(result.GetProperty("intact").GetBoolean());
        Assert.Equal(1, result.GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task AuditQuery_ByAgentWithCursor_PagesThroughTheMatchesOnly()
    {
        var journal = _host.Get<AuditJournal>();
        for (var i = 0; i < 5; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = i % 2 == 0 ? "agent-even" : "agent-odd", Decision = "allow", Tool = "crm.read", StatusCode = 200, RequestId = "r" + i });
        }

        using var auditor = _host.Client(await _host.IssueTokenAsync("audrey", AdminRoles.Auditor));
        var first = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/query?agent=agent-even&limit=2");
        var second = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/query?agent=agent-even&limit=2&cursor={first.GetProperty("next_cursor").GetString()}");

        Assert.Equal(["r0", "r2"], first.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("request_id").GetString()));
        Assert.Equal(["r4"], second.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("request_id").GetString()));
        Assert.False(second.TryGetProperty("next_cursor", out _));
    }

    [Theory]
    [InlineData("cursor=not-a-cursor")]
    [InlineData("from=yesterday")]
    [InlineData("limit=0")]
    [InlineData("agent=a&agent=b")]
    public async Task AuditQuery_BadParameter_Is400InvalidQuery(string parameters)
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/audit/query?{parameters}"), HttpStatusCode.BadRequest, "invalid_query");
    }

    [Theory]
    [InlineData("start=9223372036854775807")]
    [InlineData("start=9007199254740992")]
    [InlineData("start=-1")]
    [InlineData("start=99999999999999999999")]
    public async Task AuditList_StartOutOfRange_Is400InvalidQuery(string parameters)
    {
        await _host.Get<AuditJournal>().AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/audit?{parameters}"), HttpStatusCode.BadRequest, "invalid_query");
    }

    [Fact]
    public async Task AuditList_LargestStart_IsAnEmptyPage()
    {
        await _host.Get<AuditJournal>().AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        var page = await admin.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit?start=9007199254740991&limit=1000");

        Assert.Empty(page.GetProperty("records").EnumerateArray());
        Assert.False(page.TryGetProperty("next_start", out var next) && next.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task AuditReceipts_ByRequestIdAndBySeqRange_GiveTheExactReceiptsTheAppendsGot()
    {
        var journal = _host.Get<AuditJournal>();
        var appended = new List<AuditAppended>();
        for (var i = 0; i < 3; i++)
        {
            appended.Add(await journal.AppendWithReceiptAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", Tool = "crm.read", StatusCode = 200, RequestId = "rr" + i }));
        }

        await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", Tool = "crm.read", StatusCode = 200, RequestId = "no-receipt" });
        using var auditor = _host.Client(await _host.IssueTokenAsync("audrey", AdminRoles.Auditor));

        var one = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/receipts?request_id=rr1");
        var range = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/receipts?replica={journal.Replica}&from_seq=1&to_seq=4");
        var none = await auditor.GetFromJsonAsync<JsonElement>($"/admin/v1/tenants/{_tenant}/audit/receipts?request_id=no-receipt");

        var receipt = Assert.Single(one.GetProperty("receipts").EnumerateArray());
        Assert.Equal(appended[1].Receipt, receipt.GetProperty("receipt").GetString());
        Assert.Equal(appended[1].Record.Seq, receipt.GetProperty("seq").GetInt64());
        Assert.Equal("rr1", receipt.GetProperty("request_id").GetString());
        Assert.Equal(appended.Select(static a => a.Receipt), range.GetProperty("receipts").EnumerateArray().Select(static r => r.GetProperty("receipt").GetString()));
        Assert.Empty(none.GetProperty("receipts").EnumerateArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("replica=replica-a")]
    [InlineData("replica=Not_A_Replica&from_seq=1&to_seq=2")]
    [InlineData("replica=replica-a&from_seq=3&to_seq=2")]
    [InlineData("replica=replica-a&from_seq=1&to_seq=1001")]
    [InlineData("replica=replica-a&from_seq=9223372036854775000&to_seq=9223372036854775807")]
    [InlineData("request_id=a&request_id=b")]
    public async Task AuditReceipts_BadParameter_Is400InvalidQuery(string parameters)
    {
        using var admin = _host.Client(AdminTestServices.BootstrapToken);

        await AssertProblemAsync(await admin.GetAsync($"/admin/v1/tenants/{_tenant}/audit/receipts?{parameters}"), HttpStatusCode.BadRequest, "invalid_query");
    }

    [Fact]
    public async Task AuditReceipts_ApproverToken_Is403()
    {
        using var approver = _host.Client(await _host.IssueApproverAsync(_tenant, "bob"));

        await AssertProblemAsync(await approver.GetAsync($"/admin/v1/tenants/{_tenant}/audit/receipts?request_id=r1"), HttpStatusCode.Forbidden, "admin_role_required");
    }

    [Fact]
    public async Task EvidenceManifest_Signed_IsRecordedAsAnAdminActionNamingTheDigestAndTheToken()
    {
        using var auditor = _host.Client(await _host.IssueTokenAsync("audrey", AdminRoles.Auditor));
        var digest = new string('b', 64);

        using var signed = await auditor.PostAsJsonAsync($"/admin/v1/tenants/{_tenant}/audit/evidence-manifest", new Dictionary<string, string> { ["manifest_sha256"] = digest });

        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        var recorded = Assert.Single((await _host.Get<AuditJournal>().ReadAsync(_tenant, 0, 50)),
            static r => r.TryGetProperty("tool", out var tool) && tool.GetString() == "admin.evidence.sign_manifest");
        Assert.Equal("admin_action", recorded.GetProperty("decision").GetString());
        Assert.Equal(digest, recorded.GetProperty("connector").GetString());
        Assert.Equal("audrey", recorded.GetProperty("actor").GetString());
    }
}
