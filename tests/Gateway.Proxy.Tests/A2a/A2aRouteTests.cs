using System.Net;
using System.Text.Json;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A2A through the gateway (docs/a2a.md): a signed agent reaches a real Kestrel A2A agent on <c>/a2a/helper</c>; each
/// message is decided as its skill's catalog entry, recorded, forwarded and answered in JSON-RPC; a held message comes
/// back as a task in input-required and goes through with the approval's warrant; another agent's task is not found;
/// a push-notification webhook on an internal address is refused; the card is rewritten, filtered, verified and signed.
/// </summary>
public sealed class A2aRouteTests
{
    [Fact]
    public async Task SendMessage_PermittedSkill_IsForwardedAndAnsweredWithTheRedactedTask()
    {
        await using var setup = await StartAsync();

        var reply = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "the quarterly report"));

        var task = reply.GetProperty("result").GetProperty("task");
        Assert.Equal("task-1", task.GetProperty("id").GetString());
        var text = task.GetProperty("artifacts")[0].GetProperty("parts")[0].GetProperty("text").GetString();
        Assert.StartsWith("done: the quarterly report", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ops@example.com", text, StringComparison.Ordinal);
        var (method, forwarded) = Assert.Single(setup.Agent.Received);
        Assert.Equal("SendMessage", method);
        Assert.Equal("summarize", forwarded.GetProperty("metadata").GetProperty("gamut.dev/skill").GetString());
    }

    [Fact]
    public async Task SendMessage_RemoteAgentAsksForAuthentication_IsSurfacedAsItIs_NeverAnsweredWithACredential()
    {
        await using var setup = await StartAsync();

        var task = (await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "needs login"))).GetProperty("result").GetProperty("task");

        Assert.Equal("TASK_STATE_AUTH_REQUIRED", task.GetProperty("status").GetProperty("state").GetString());
        Assert.Single(setup.Agent.Received);
        Assert.Equal(string.Empty, Assert.Single(setup.Agent.Authorizations));
    }

    [Fact]
    public async Task SendMessage_Version03Spelling_IsForwardedAsSent()
    {
        await using var setup = await StartAsync();

        var reply = await SendAsync(setup.Gateway.Agent, Message("message/send", "summarize", "hello"));

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Equal("message/send", Assert.Single(setup.Agent.Received).Method);
    }

    [Fact]
    public async Task SendMessage_SkillNotPermitted_IsRefusedAsAJsonRpcErrorAndNothingIsForwarded()
    {
        await using var setup = await StartAsync();

        var reply = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "translate", "bonjour"));

        var error = reply.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Equal("7", reply.GetProperty("id").GetRawText());
        Assert.StartsWith("block", error.GetProperty("data").GetProperty("decision").GetString(), StringComparison.Ordinal);
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_UnknownSkill_IsInvalidParams()
    {
        await using var setup = await StartAsync();

        var error = (await SendAsync(setup.Gateway.Agent, Message("SendMessage", "juggle", "x"))).GetProperty("error");

        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("a2a_unknown_skill", error.GetProperty("data").GetProperty("code").GetString());
    }

    [Fact]
    public async Task SendStreamingMessage_PermittedSkill_StreamsEveryEventRedacted_AndTheTaskIsTheCallers()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", Message("SendStreamingMessage", "summarize", "stream it")));
        var text = await response.Content.ReadAsStringAsync();
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.Clone()).ToList();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal("7", e.GetProperty("id").GetRawText()));
        Assert.Equal("TASK_STATE_COMPLETED", events[2].GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
        Assert.DoesNotContain("ops@example.com", text, StringComparison.Ordinal);
        Assert.Contains("done: stream it", text, StringComparison.Ordinal);
        var taskId = events[0].GetProperty("result").GetProperty("statusUpdate").GetProperty("taskId").GetString()!;
        Assert.Equal("completed", (await SendAsync(gw.Agent, TaskCall("GetTask", taskId))).GetProperty("result").GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(-32001, (await SendAsync(gw.Rogue, TaskCall("GetTask", taskId))).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task SendStreamingMessage_SkillNotPermitted_IsRefusedAndNothingIsForwarded()
    {
        await using var setup = await StartAsync();

        var error = (await SendAsync(setup.Gateway.Agent, Message("SendStreamingMessage", "translate", "x"))).GetProperty("error");

        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task ExtendedCardMethod_NotGovernedYet_IsUnsupportedOperation()
    {
        await using var setup = await StartAsync();

        var error = (await SendAsync(setup.Gateway.Agent, TaskCall("GetExtendedAgentCard", "x"))).GetProperty("error");

        Assert.Equal(-32004, error.GetProperty("code").GetInt32());
        Assert.Equal("a2a_unsupported_operation", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_HeldForApproval_IsAnInputRequiredTaskThenGoesThroughWithTheWarrant()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var message = Message("SendMessage", "wire", "pay the invoice", messageId: "m-wire-1");

        var held = (await SendAsync(gw.Agent, message)).GetProperty("result").GetProperty("task");
        Assert.Equal("TASK_STATE_INPUT_REQUIRED", held.GetProperty("status").GetProperty("state").GetString());
        var approvalId = held.GetProperty("metadata").GetProperty("gamut.dev/approval").GetProperty("id").GetString()!;
        Assert.Equal(approvalId, held.GetProperty("id").GetString());
        Assert.Empty(setup.Agent.Received);

        using (var approve = await gw.Admin(await gw.IssueTokenAsync("alice", "approver")).PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        var warrant = (await ApprovalCalls.PollAsync(gw.Agent, approvalId)).GetProperty("warrant").GetString()!;
        var completed = (await SendAsync(gw.Agent, Message("SendMessage", "wire", "pay the invoice", warrant, messageId: "m-wire-1"))).GetProperty("result").GetProperty("task");

        Assert.Equal("TASK_STATE_COMPLETED", completed.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("pay the invoice", Assert.Single(setup.Agent.Received).Params.GetProperty("message").GetProperty("parts")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task GetTaskAndCancelTask_OwnTask_AreForwarded_AnotherAgentsAreNotFound()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var taskId = (await SendAsync(gw.Agent, Message("SendMessage", "summarize", "x"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        var foreignRead = (await SendAsync(gw.Rogue, TaskCall("GetTask", taskId))).GetProperty("error");
        var foreignCancel = (await SendAsync(gw.Rogue, TaskCall("CancelTask", taskId))).GetProperty("error");
        var foreignContinue = (await SendAsync(gw.Rogue, Message("SendMessage", "summarize", "more", taskId: taskId))).GetProperty("error");
        Assert.Single(setup.Agent.Received);
        var own = (await SendAsync(gw.Agent, TaskCall("GetTask", taskId))).GetProperty("result");

        Assert.All([foreignRead, foreignCancel, foreignContinue], error =>
        {
            Assert.Equal(-32001, error.GetProperty("code").GetInt32());
            Assert.Equal("a2a_task_not_found", error.GetProperty("data").GetProperty("code").GetString());
        });
        Assert.Equal("completed", own.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("completed", setup.Agent.TaskStates[taskId]);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://localhost/hook")]
    public async Task SendMessage_PushWebhookOnAnInternalAddress_IsRefused(string url)
    {
        await using var setup = await StartAsync();
        var body = Message("SendMessage", "summarize", "x")[..^2]
            + ",\"configuration\":{\"taskPushNotificationConfig\":{\"url\":" + JsonSerializer.Serialize(url) + "}}}}";

        var error = (await SendAsync(setup.Gateway.Agent, body)).GetProperty("error");

        Assert.Equal("a2a_push_url_refused", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_PushWebhookOnAnInternalAddressTheTenantAllows_IsForwarded()
    {
        await using var setup = await StartAsync(allowInternalPush: true);
        var body = Message("SendMessage", "summarize", "x")[..^2]
            + ",\"configuration\":{\"taskPushNotificationConfig\":{\"url\":\"https://10.1.2.3/hook\"}}}}";

        var reply = await SendAsync(setup.Gateway.Agent, body);

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Equal("https://10.1.2.3/hook", Assert.Single(setup.Agent.Received).Params.GetProperty("configuration").GetProperty("taskPushNotificationConfig").GetProperty("url").GetString());
    }

    [Fact]
    public async Task AgentCard_Served_PointsAtTheGateway_KeepsPermittedSkills_AndIsSignedByTheGateway()
    {
        await using var setup = await StartAsync(signed: true);

        using var response = await setup.Gateway.Agent.SendAsync(setup.Gateway.Agent.Create(HttpMethod.Get, "/a2a/helper/.well-known/agent-card.json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var card = JsonDocument.Parse(body).RootElement;

        Assert.EndsWith("/a2a/helper", card.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(setup.Upstream.Origin, body, StringComparison.Ordinal);
        Assert.True(card.GetProperty("capabilities").GetProperty("streaming").GetBoolean());
        Assert.True(card.GetProperty("capabilities").GetProperty("pushNotifications").GetBoolean());
        Assert.Equal(["summarize", "wire"], card.GetProperty("skills").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToArray());
        var signature = Assert.Single(card.GetProperty("signatures").EnumerateArray());
        Assert.Contains("ES256", System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(signature.GetProperty("protected").GetString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentCard_ForgedHost_PointsAtTheGatewaysOwnOrigin()
    {
        await using var setup = await StartAsync(signed: true);
        using var plain = await setup.Gateway.Agent.SendAsync(setup.Gateway.Agent.Create(HttpMethod.Get, "/a2a/helper/.well-known/agent-card.json"));
        var plainUrl = JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement.GetProperty("url").GetString();
        using var request = setup.Gateway.Agent.Create(HttpMethod.Get, "/a2a/helper/.well-known/agent-card.json");
        request.Headers.Host = "evil.example";

        using var response = await setup.Gateway.Agent.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.DoesNotContain("evil.example", body, StringComparison.Ordinal);
        Assert.Equal(plainUrl, JsonDocument.Parse(body).RootElement.GetProperty("url").GetString());
    }

    [Fact]
    public async Task AgentCard_BrokenRemoteSignature_IsRefused()
    {
        await using var setup = await StartAsync(signed: true);
        setup.Agent.BreakSignature = true;

        using var response = await setup.Gateway.Agent.SendAsync(setup.Gateway.Agent.Create(HttpMethod.Get, "/a2a/helper/.well-known/agent-card.json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "a2a_card_unverified");
        var records = await RunCalls.RecordsOfAsync(setup.Gateway.Admin(), response);
        // Read once the request was admitted and its entry recorded: the refusal follows that entry.
        Assert.Equal(["a2a_card_served", "refused:a2a_card_unverified"], records.Select(r => r.GetProperty("decision").GetString()));
    }

    [Fact]
    public async Task AgentCard_SignedButNoKeyPinned_IsRefused()
    {
        await using var setup = await StartAsync(signed: false);
        setup.Agent.SignCard = true;

        using var response = await setup.Gateway.Agent.SendAsync(setup.Gateway.Agent.Create(HttpMethod.Get, "/a2a/helper/.well-known/agent-card.json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "a2a_card_unverified");
    }

    [Fact]
    public async Task A2aCalls_AllRecorded_AndTheAuditChainVerifiesIntact()
    {
        await using var setup = await StartAsync(signed: true);
        var gw = setup.Gateway;
        await SendAsync(gw.Agent, Message("SendMessage", "summarize", "x"));
        await SendAsync(gw.Agent, Message("SendMessage", "translate", "y"));
        await SendAsync(gw.Agent, Message("SendMessage", "wire", "z"));
        using (await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Get, "/a2a/helper/.well-known/agent-card.json")))
        {
        }

        var admin = gw.Admin();
        using var verified = JsonDocument.Parse(await admin.GetStringAsync("/admin/v1/tenants/demo/audit/verify"));
        Assert.True(verified.RootElement.GetProperty("intact").GetBoolean(), verified.RootElement.ToString());
        var records = await admin.GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000");
        Assert.Contains("helper.summarize", records, StringComparison.Ordinal);
        Assert.Contains("helper.translate", records, StringComparison.Ordinal);
        Assert.Contains("helper.wire", records, StringComparison.Ordinal);
        Assert.Contains("a2a_card_served", records, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendMessage_InARun_IsInTheRunsTimelineUnderItsSkill()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using var response = await RunCalls.InRunAsync(gw.Agent, run, "/a2a/helper", Message("SendMessage", "summarize", "in a run"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var records = await RunCalls.RecordsAsync(gw.Admin(), run);
        var skillRecords = records.Where(r => r.TryGetProperty("tool", out var tool) && tool.GetString() == "helper.summarize").ToList();
        Assert.True(skillRecords.Count >= 1, string.Join("\n", records));
        Assert.All(skillRecords, r => Assert.Equal(run, r.GetProperty("run_id").GetString()));
    }

    internal static async Task<JsonElement> SendAsync(AgentClient agent, string body)
    {
        using var response = await agent.SendAsync(agent.Create(HttpMethod.Post, "/a2a/helper", body));
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"{(int)response.StatusCode}: {text}");
        }
    }

    internal static string Message(string method, string skill, string text, string? warrant = null, string? taskId = null, string? messageId = null)
    {
        var metadata = new Dictionary<string, string> { ["gamut.dev/skill"] = skill };
        if (warrant is not null)
        {
            metadata["gamut.dev/warrant"] = warrant;
        }

        var message = new Dictionary<string, object> { ["messageId"] = messageId ?? "m-" + Guid.NewGuid().ToString("N"), ["role"] = "ROLE_USER", ["parts"] = new[] { new { text } } };
        if (taskId is not null)
        {
            message["taskId"] = taskId;
        }

        return JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 7, method, @params = new { message, metadata } });
    }

    internal static string TaskCall(string method, string taskId) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 9, method, @params = new { id = taskId } });

    internal static async Task<Setup> StartAsync(bool signed = false, bool allowInternalPush = false, long? maxResponseBytes = null, long? agentMaxResponseBytes = null, bool redacted = false, string? pushHosts = null, int? summarizeLimit = null, string degradeMode = "redact", bool grantTranslate = false, Func<IStateStore, IStateStore>? wrapStore = null, bool redactAgentEntry = true, string? agentTimeout = null)
    {
        // Personal data with no data flow documented for the agent: every call on the agent (unless !redactAgentEntry) and its summarize skill is degraded to redact (or degradeMode).
        var redact = redacted ? ", data_classes: [pii], degrade: { mode: " + degradeMode + " }" : string.Empty;
        var agent = new A2aTestAgent { SignCard = signed };
        var hosts = new NamedWebhookHosts();
        var upstream = await KestrelUpstream.StartAsync(agent.Map);
        var limits = maxResponseBytes is { } max ? ", limits: { max_response_bytes: " + max + " }" : string.Empty;
        var cardKey = (signed ? ", card_key: " + agent.PinnedJwk() : string.Empty) + (allowInternalPush ? ", allow_internal_push: true" : string.Empty)
            + (pushHosts is not null ? ", push_hosts: " + pushHosts : string.Empty)
            + (agentMaxResponseBytes is not null || agentTimeout is not null
                ? ", limits: { " + string.Join(", ", new[] { agentMaxResponseBytes is { } agentMax ? "max_response_bytes: " + agentMax : null, agentTimeout is not null ? "timeout: " + agentTimeout : null }.OfType<string>()) + " }"
                : string.Empty);
        var gateway = await GovernedGateway.StartAsync(text => text
            .Replace("  - name: workspace\n", $"""
                  - {"{"} name: helper, kind: a2a, action_type: read, target_system: helper, upstream: {upstream.Origin}/a2a, credential: none{cardKey}{(redactAgentEntry ? redact : string.Empty)} {"}"}
                  - {"{"} name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize{limits}{redact} {"}"}
                  - {"{"} name: helper.translate, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: translate {"}"}
                  - {"{"} name: helper.wire, kind: a2a_skill, action_type: external, target_system: helper, connector: helper, a2a_skill: wire {"}"}

                  - name: workspace

                """, StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: helper }\n      - { tool: helper.summarize }\n      - { tool: helper.wire }\n" + (grantTranslate ? "      - { tool: helper.translate }\n" : string.Empty), StringComparison.Ordinal)
            .Replace("      - { tool: crm.read_contact }\n\n  # Signs with a key pair", "      - { tool: crm.read_contact }\n      - { tool: helper }\n      - { tool: helper.summarize }\n\n  # Signs with a key pair", StringComparison.Ordinal)
            .Replace("    severity: critical\n    status: open\n    agents: [rogue-agent]\n", "    severity: low\n    status: open\n    agents: [rogue-agent]\n", StringComparison.Ordinal)
            .Replace("{ agent: rogue-agent, scenario: prompt_injection, passed: false", "{ agent: rogue-agent, scenario: prompt_injection, passed: true", StringComparison.Ordinal)
            .Replace("rate_limits:\n", summarizeLimit is { } limit ? $"rate_limits:\n  - {{ scope: tool, tool: helper.summarize, limit: {limit}, window: 1h }}\n" : "rate_limits:\n", StringComparison.Ordinal),
            configure: builder =>
            {
                builder.Services.AddSingleton<IWebhookHostResolver>(hosts);
                if (wrapStore is not null)
                {
                    builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => wrapStore(store)));
                }
            });
        return new Setup(agent, upstream, gateway) { WebhookHosts = hosts };
    }

    internal sealed record Setup(A2aTestAgent Agent, KestrelUpstream Upstream, GovernedGateway Gateway) : IAsyncDisposable
    {
        /// <summary>The resolver the gateway checks push webhooks' host names with.</summary>
        public required NamedWebhookHosts WebhookHosts { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
