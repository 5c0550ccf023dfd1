using System.Net;
using System.Text.Json;
using Gamut.Agent.Upstream;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Enforce;

/// <summary>
/// Governed writeback end to end, against a real workspace store (<see cref="WorkspaceStore"/>): a writeback allowed and
/// read back by <c>context</c>; one refused for its data class; one held for a named approver and written with the
/// warrant; a later read returning only the items policy lets its reader receive; oversized and secret-bearing content
/// refused; a store that fails or cannot be reached refused and recorded, never taken as written.
/// </summary>
public sealed partial class WritebackTests : IClassFixture<WritebackFixture>
{
    private readonly WritebackFixture _fixture;
    private readonly GovernedGateway _gw;

    public WritebackTests(WritebackFixture fixture)
    {
        _fixture = fixture;
        _gw = fixture.Gateway;
    }

    [Fact]
    public async Task Writeback_Allowed_IsStoredWithTheGatewaysLabelsAndReadBackByContext()
    {
        var name = Unique("plan");

        using var response = await Write(name, "\"Q3 plan: ship governed writeback\"");

        var json = await DecisionJson.DecisionAsync(response, "allow_and_log");
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.Equal(201, json.GetProperty("upstream_status").GetInt32());
        // The store answers {"stored": name}; its answer is no item the agent was cleared to read, so none of it comes back.
        Assert.Equal(JsonValueKind.Null, json.GetProperty("result").ValueKind);
        var written = json.GetProperty("written");
        Assert.Equal("workspace", written.GetProperty("scope").GetString());
        Assert.Equal(name, written.GetProperty("name").GetString());
        Assert.Equal(["internal"], Classes(written));

        var put = Assert.Single(_fixture.Store.Writes, w => w.Body.Contains(name, StringComparison.Ordinal));
        Assert.Equal("/workspace", put.Target);
        var item = JsonDocument.Parse(put.Body).RootElement;
        Assert.Equal("workspace", item.GetProperty("scope").GetString());
        Assert.Equal("Q3 plan: ship governed writeback", item.GetProperty("content").GetString());
        Assert.Equal(["internal"], Classes(item));
        var writer = item.GetProperty("written_by");
        Assert.Equal("demo-agent", writer.GetProperty("agent").GetString());
        Assert.Equal("ws-demo", writer.GetProperty("workspace").GetString());
        Assert.Equal(RequestId(response), writer.GetProperty("request_id").GetString());
        var token = _gw.Verifier().Verify(put.Headers["X-Gamut-Decision-Token"], "demo", "workspace", DecisionJson.IntentDigest(json));
        Assert.Equal(DecisionTokenFailure.None, token.Failure);
        Assert.Equal("allow_and_log", token.Payload!.Decision);

        using var read = await _gw.Agent.PostJsonAsync("/v1/actions/context", $$"""{"scope":"workspace","query":"{{name}}"}""");

        var pack = await DecisionJson.DecisionAsync(read, "allow");
        var returned = Assert.Single(pack.GetProperty("result").GetProperty("items").EnumerateArray());
        Assert.Equal(name, returned.GetProperty("name").GetString());
        Assert.Equal("Q3 plan: ship governed writeback", returned.GetProperty("content").GetString());
        Assert.False(DecisionJson.Has(pack, "withheld"));
        Assert.Contains(_fixture.Store.Server.Received, r => r.Method == "GET" && r.Target == $"/workspace?scope=workspace&query={name}");
    }

    [Fact]
    public async Task Writeback_InARun_NamesTheRunAmongTheWriters()
    {
        var name = Unique("run-note");
        var run = await RunCalls.StartIdAsync(_gw.Agent);

        using var response = await RunCalls.InRunAsync(_gw.Agent, run, "/v1/actions/writeback", WriteBody(name, "\"step 3 done\""));

        await DecisionJson.DecisionAsync(response, "allow_and_log");
        var put = Assert.Single(_fixture.Store.Writes, w => w.Body.Contains(name, StringComparison.Ordinal));
        Assert.Equal(run, JsonDocument.Parse(put.Body).RootElement.GetProperty("written_by").GetProperty("run_id").GetString());
    }

    [Fact]
    public async Task Writeback_RestrictedDataClass_IsBlockedByTheRuleAndNothingIsWritten()
    {
        var name = Unique("restricted");

        using var response = await Write(name, "\"merger terms\"", ""","data_classes":["restricted"]""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal("block", problem.GetProperty("decision").GetString());
        Assert.False(problem.GetProperty("invoked").GetBoolean());
        Assert.Contains(problem.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(),
            t => t.GetProperty("rule").GetString() == "no-restricted-in-workspace" && t.GetProperty("reason_code").GetString() == "restricted_data_in_workspace");
        Assert.DoesNotContain(_fixture.Store.Writes, w => w.Body.Contains(name, StringComparison.Ordinal));
        var record = Assert.Single(await _gw.AuditRecordsAsync(RequestId(response)));
        Assert.Equal("block", record.GetProperty("decision").GetString());
        Assert.Equal("workspace", record.GetProperty("tool").GetString());
    }

    [Fact]
    public async Task Writeback_ConfidentialItem_IsHeldForAliceThenWrittenWithTheWarrant()
    {
        var name = Unique("salaries");
        var body = WriteBody(name, "\"salary bands 2027\"", ""","data_classes":["confidential"]""");

        using var held = await _gw.Agent.PostJsonAsync("/v1/actions/writeback", body);

        var problem = await ProblemAssert.IsProblemAsync(held, HttpStatusCode.Conflict, "approval_required");
        Assert.Equal(["alice"], problem.GetProperty("explanation").GetProperty("approvers").EnumerateArray().Select(a => a.GetString()));
        var approvalId = problem.GetProperty("approval").GetProperty("id").GetString()!;
        Assert.DoesNotContain(_fixture.Store.Writes, w => w.Body.Contains(name, StringComparison.Ordinal));
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        using (var approve = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        var warrant = (await ApprovalCalls.PollAsync(_gw.Agent, approvalId)).GetProperty("warrant").GetString()!;

        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/writeback", ApprovalCalls.WithWarrant(body, warrant));

        var json = await DecisionJson.DecisionAsync(retry, "allow_and_log");
        Assert.True(json.GetProperty("explanation").GetProperty("warrant_applied").GetBoolean());
        Assert.Equal(["internal", "confidential"], Classes(json.GetProperty("written")));
        var stored = _fixture.Store.Item("workspace", name)!.Value;
        Assert.Equal(["internal", "confidential"], Classes(stored));
        Assert.Single(_fixture.Store.Writes, w => w.Body.Contains(name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Context_ItemOfAClassTheReaderMayNotReceive_IsWithheldAndSaysWhy()
    {
        var topic = Unique("launch");
        using (var plain = await Write(topic + "-notes", "\"launch checklist\""))
        {
            await DecisionJson.DecisionAsync(plain, "allow_and_log");
        }

        // Nothing declared: the e-mail address in the content makes the item pii (detected, not the agent's word).
        using (var personal = await Write(topic + "-contacts", """{"owner":"ada.lovelace@example.com","role":"launch lead"}"""))
        {
            var written = (await DecisionJson.DecisionAsync(personal, "allow_and_log")).GetProperty("written");
            Assert.Equal(["internal", "pii"], Classes(written));
        }

        using var readerRead = await _fixture.Reader.PostJsonAsync("/v1/actions/context", $$"""{"scope":"workspace","query":"{{topic}}"}""");

        var readers = await DecisionJson.DecisionAsync(readerRead, "allow");
        var item = Assert.Single(readers.GetProperty("result").GetProperty("items").EnumerateArray());
        Assert.Equal(topic + "-notes", item.GetProperty("name").GetString());
        Assert.DoesNotContain("launch lead", readers.GetProperty("result").GetRawText(), StringComparison.Ordinal);
        var withheld = Assert.Single(readers.GetProperty("withheld").EnumerateArray());
        Assert.Equal("policy", withheld.GetProperty("reason").GetString());
        Assert.Equal(["internal", "pii"], Classes(withheld));
        Assert.Equal(1, withheld.GetProperty("items").GetInt32());
        Assert.Equal("degrade", withheld.GetProperty("decision").GetString());
        Assert.Contains(withheld.GetProperty("what_would_change").EnumerateArray(),
            r => r.GetString()!.Contains("document a data flow for agent 'reader-agent' through 'workspace' with classes pii", StringComparison.Ordinal));
        var outcome = (await _gw.AuditRecordsAsync(RequestId(readerRead))).Last();
        Assert.Equal(1, outcome.GetProperty("redactions").GetProperty("withheld_item").GetInt32());

        // The writer has a documented pii flow: it receives both, the address redacted as every result is.
        using var writerRead = await _gw.Agent.PostJsonAsync("/v1/actions/context", $$"""{"scope":"workspace","query":"{{topic}}"}""");

        var writers = await DecisionJson.DecisionAsync(writerRead, "allow");
        Assert.Equal(2, writers.GetProperty("result").GetProperty("items").GetArrayLength());
        Assert.Contains("[REDACTED:email]", writers.GetProperty("result").GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("ada.lovelace@example.com", writers.GetProperty("result").GetRawText(), StringComparison.Ordinal);
        Assert.False(DecisionJson.Has(writers, "withheld"));
    }

    [Fact]
    public async Task McpResourceRead_OfTheStore_ReturnsOnlyWhatTheReaderMayReceive()
    {
        var topic = Unique("handover");
        using (var plain = await Write(topic + "-steps", "\"rotate the on-call\""))
        {
            await DecisionJson.DecisionAsync(plain, "allow_and_log");
        }

        using (var personal = await Write(topic + "-people", "\"call grace.hopper@example.com\""))
        {
            await DecisionJson.DecisionAsync(personal, "allow_and_log");
        }

        var call = $$$"""{"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"uri":"gamut-context://workspace?query={{{topic}}}"}}""";
        using var request = _fixture.Reader.Create(HttpMethod.Post, "/mcp", call);
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");

        using var response = await _fixture.Reader.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(topic + "-steps", text, StringComparison.Ordinal);
        Assert.DoesNotContain(topic + "-people", text, StringComparison.Ordinal);
        Assert.DoesNotContain("grace.hopper", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Context_ReaderDeclaringTheClass_IsDegradedToRedactAndStillReceivesNoItemOfIt()
    {
        var name = Unique("contacts");
        using (var personal = await Write(name, "\"ops lead: grace.hopper@example.com\""))
        {
            await DecisionJson.DecisionAsync(personal, "allow_and_log");
        }

        using var read = await _fixture.Reader.PostJsonAsync("/v1/actions/context", $$"""{"scope":"workspace","query":"{{name}}","data_classes":["pii"]}""");

        var json = await DecisionJson.DecisionAsync(read, "degrade");
        Assert.Equal("redact", json.GetProperty("explanation").GetProperty("degrade_mode").GetString());
        Assert.Empty(json.GetProperty("result").GetProperty("items").EnumerateArray());
        Assert.Equal("degrade", Assert.Single(json.GetProperty("withheld").EnumerateArray()).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Context_ItemWithUnreadableDataClasses_IsWithheld()
    {
        var name = Unique("forged");
        _fixture.Store.Seed("workspace", $$"""{"name":"{{name}}","content":"planted","data_classes":["internal","ultra"]}""");

        using var read = await _gw.Agent.PostJsonAsync("/v1/actions/context", $$"""{"scope":"workspace","query":"{{name}}"}""");

        var json = await DecisionJson.DecisionAsync(read, "allow");
        Assert.Empty(json.GetProperty("result").GetProperty("items").EnumerateArray());
        var withheld = Assert.Single(json.GetProperty("withheld").EnumerateArray());
        Assert.Equal("unreadable_data_classes", withheld.GetProperty("reason").GetString());
        Assert.False(withheld.TryGetProperty("decision", out _));
    }

    [Fact]
    public async Task Context_StoreAnswersWithAnythingButAPack_IsRefusedAndRecorded()
    {
        using var read = await _gw.Agent.PostJsonAsync("/v1/actions/context", """{"scope":"workspace","query":"text-pack"}""");

        var problem = await ProblemAssert.IsProblemAsync(read, HttpStatusCode.BadGateway, "upstream_unavailable");
        Assert.DoesNotContain("every item", problem.GetRawText(), StringComparison.Ordinal);
        var outcome = (await _gw.AuditRecordsAsync(RequestId(read))).Last();
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Writeback_ContentOverTheStoresLimit_IsRefused413AndRecorded()
    {
        var name = Unique("big");

        using var response = await Write(name, JsonSerializer.Serialize(new string('x', 4200)));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Contains("writeback.max_bytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(problem.GetProperty("invoked").GetBoolean());
        Assert.DoesNotContain(_fixture.Store.Writes, w => w.Body.Contains(name, StringComparison.Ordinal));
        var outcome = (await _gw.AuditRecordsAsync(RequestId(response))).Last();
        Assert.Equal(413, outcome.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Writeback_SecretInTheContent_IsRefusedAndNothingIsWritten()
    {
        var name = Unique("keys");

        using var response = await Write(name, """{"note":"deploy with sk-proj-0a1b2c3d4e5f6a7b8c9d0e1f2a3b"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "secret_material_in_payload");
        Assert.Contains("$.content.note", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-proj", problem.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(_fixture.Store.Writes, w => w.Body.Contains(name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writeback_StoreAnswers500_IsRefusedAndRecordedNotTakenAsWritten()
    {
        using var response = await Write(Unique("fail-disk"), "\"draft\"");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "upstream_unavailable");
        Assert.Contains("answered 500", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("allow_and_log", problem.GetProperty("decision").GetString());
        var outcome = (await _gw.AuditRecordsAsync(RequestId(response))).Last();
        Assert.Equal(502, outcome.GetProperty("status_code").GetInt32());
        Assert.Equal(500, outcome.GetProperty("upstream_status").GetInt32());
    }

    [Fact]
    public async Task Writeback_StoreUnreachable_IsRefusedAndRecorded()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/writeback", """{"scope":"archive","name":"n","content":"draft"}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "upstream_unavailable");
        var records = await _gw.AuditRecordsAsync(RequestId(response));
        Assert.Equal("allow_and_log", records[0].GetProperty("decision").GetString());
        Assert.Equal(502, records[^1].GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Writeback_ByAnAgentThatMayOnlyRead_IsBlockedNamingTheWrite()
    {
        using var response = await _fixture.Reader.PostJsonAsync("/v1/actions/writeback", WriteBody(Unique("reader"), "\"x\""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        var permission = problem.GetProperty("explanation").GetProperty("decision_path").EnumerateArray().Single(c => c.GetProperty("control").GetString() == "tool_permission");
        Assert.Contains("action type 'write'", permission.GetProperty("missing_evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writeback_ToAConnectorThatIsNotAWorkspaceStore_IsRefusedAndRecorded()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/writeback", """{"scope":"crm.read_contact","name":"n","content":"x"}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "operation_not_mapped");
        var record = Assert.Single(await _gw.AuditRecordsAsync(RequestId(response)));
        Assert.Equal("refused:operation_not_mapped", record.GetProperty("decision").GetString());
        Assert.Equal("crm.read_contact", record.GetProperty("tool").GetString());
    }

    [Fact]
    public async Task TransparentRoute_WorkspaceStore_ForwardsNothing()
    {
        var before = _fixture.Store.Server.Received.Count;

        using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/workspace?scope=workspace&query="));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "operation_not_mapped");
        Assert.Equal(before, _fixture.Store.Server.Received.Count);
    }

    [Theory]
    [InlineData("""{"scope":"workspace","content":"x"}""")]
    [InlineData("""{"scope":"workspace","name":"","content":"x"}""")]
    [InlineData("""{"scope":"workspace","name":"a\u0000b","content":"x"}""")]
    [InlineData("""{"scope":"workspace","name":"n"}""")]
    [InlineData("""{"scope":"workspace","name":"n","content":null}""")]
    [InlineData("""{"name":"n","content":"x"}""")]
    [InlineData("""{"scope":"workspace","name":"n","content":"x","data_classes":["ultra"]}""")]
    [InlineData("""{"scope":"workspace","name":"n","content":"x","owner":"me"}""")]
    public async Task Writeback_MalformedBody_Is400AndNothingIsWritten(string body)
    {
        var before = _fixture.Store.Writes.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/writeback", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Equal(before, _fixture.Store.Writes.Count);
    }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    private static string WriteBody(string name, string content, string more = "") =>
        $$"""{"scope":"workspace","name":"{{name}}","content":{{content}}{{more}}}""";

    private Task<HttpResponseMessage> Write(string name, string content, string more = "") =>
        _gw.Agent.PostJsonAsync("/v1/actions/writeback", WriteBody(name, content, more));

    private static string RequestId(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("X-Request-Id"));

    private static string[] Classes(JsonElement element) =>
        [.. element.GetProperty("data_classes").EnumerateArray().Select(c => c.GetString()!)];
}
