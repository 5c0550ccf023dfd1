using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A redact degrade on the A2A route: the task reaches the agent only through the gateway, redacted; a message or a
/// configuration set naming a push-notification webhook, which the remote agent would serve the task to unredacted, is
/// refused and recorded, nothing sent (docs/a2a.md).
/// </summary>
public sealed class A2aPushRedactTests
{
    private const string Webhook = "https://" + NamedWebhookHosts.Public + "/a2a";

    [Fact]
    public async Task SendMessage_PushWebhookUnderRedactDegrade_IsRefusedRecordedAndNothingSent()
    {
        await using var setup = await StartAsync(redacted: true);

        var reply = await SendAsync(setup.Gateway.Agent,
            Message("SendMessage", "summarize", "x")[..^2] + ",\"configuration\":{\"pushNotificationConfig\":{\"url\":\"" + Webhook + "\"}}}}");

        var error = reply.GetProperty("error");
        Assert.Equal("degrade_refused", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("push-notification webhook", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(setup.Agent.Received);
        // Refused once its degrade is recorded: the outcome says it was not forwarded.
        var records = JsonDocument.Parse(await setup.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000")).RootElement.GetProperty("records").EnumerateArray();
        Assert.Contains(records, r => r.GetProperty("decision").GetString() == "degrade" && r.TryGetProperty("invoked", out var invoked)
            && invoked.ValueKind == JsonValueKind.False && r.GetProperty("status_code").GetInt32() == 403);
    }

    [Fact]
    public async Task SendMessage_PushWebhookUnderMaskDegrade_IsRefusedRecordedAndNothingSent()
    {
        // mask is applied as redact: the webhook would get the task unmasked.
        await using var setup = await StartAsync(redacted: true, degradeMode: "mask");

        var reply = await SendAsync(setup.Gateway.Agent,
            Message("SendMessage", "summarize", "x")[..^2] + ",\"configuration\":{\"taskPushNotificationConfig\":{\"url\":\"" + Webhook + "\"}}}}");

        Assert.True(reply.TryGetProperty("error", out var error), "forwarded: " + reply);
        Assert.Equal("degrade_refused", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("push-notification webhook", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(setup.Agent.Received);
        var records = JsonDocument.Parse(await setup.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000")).RootElement.GetProperty("records").EnumerateArray();
        Assert.Contains(records, r => r.GetProperty("decision").GetString() == "degrade" && r.TryGetProperty("invoked", out var invoked)
            && invoked.ValueKind == JsonValueKind.False && r.GetProperty("status_code").GetInt32() == 403);
    }

    [Fact]
    public async Task SendMessage_ContinuingATaskWithAWebhookSetUnderAnotherSkill_UnderRedactDegrade_IsRefusedAndNothingSent()
    {
        await using var setup = await StartAsync(redacted: true, grantTranslate: true);
        var agent = setup.Gateway.Agent;
        // Opened under a skill that is not degraded, with a webhook the remote agent keeps pushing the task to.
        var opened = await SendAsync(agent, Message("SendMessage", "translate", "open")[..^2] + ",\"configuration\":{\"pushNotificationConfig\":{\"url\":\"" + Webhook + "\"}}}}");
        var task = opened.GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;
        var plain = (await SendAsync(agent, Message("SendMessage", "translate", "no webhook"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;
        Assert.Equal(2, setup.Agent.Received.Count);

        var continued = await SendAsync(agent, Message("SendMessage", "summarize", "personal data", taskId: task));
        var referring = await SendAsync(agent, JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0", id = 7, method = "SendMessage",
            @params = new
            {
                message = new { messageId = "m-ref", role = "ROLE_USER", parts = new[] { new { text = "personal data" } }, referenceTaskIds = new[] { task } },
                metadata = new Dictionary<string, string> { ["gamut.dev/skill"] = "summarize" },
            },
        }));
        var withoutWebhook = await SendAsync(agent, Message("SendMessage", "summarize", "personal data", taskId: plain));

        Assert.True(continued.TryGetProperty("error", out var error), "forwarded: " + continued);
        Assert.Equal("degrade_refused", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("push-notification webhook", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("degrade_refused", referring.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        // A task with no webhook is continued as before, redacted.
        Assert.Equal(plain, withoutWebhook.GetProperty("result").GetProperty("task").GetProperty("id").GetString());
        Assert.Equal(3, setup.Agent.Received.Count);
        Assert.DoesNotContain(setup.Agent.Received, r => r.Params.GetProperty("message").TryGetProperty("taskId", out var id) && id.GetString() == task);
    }

    [Fact]
    public async Task SendMessage_ContinuingATaskUnderRedactDegrade_WhenItsWebhookFlagCannotBeRead_IsRefusedAndNothingSent()
    {
        await using var setup = await StartAsync(redacted: true, wrapStore: WebhookFlagReadsFail);
        var task = (await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "open"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        using var response = await setup.Gateway.Agent.SendAsync(setup.Gateway.Agent.Create(HttpMethod.Post, "/a2a/helper", Message("SendMessage", "summarize", "more", taskId: task)));
        var continued = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.True(continued.TryGetProperty("error", out var error), "forwarded: " + continued);
        Assert.Equal(ProblemCodes.StoreUnavailable, error.GetProperty("data").GetProperty("code").GetString());
        Assert.Single(setup.Agent.Received);
        // Recorded as the store's refusal: 503, not forwarded.
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var records = await Gateway.Testing.Eventually.ReturnsAsync(() => setup.Gateway.AuditRecordsAsync(requestId),
            static found => found.Exists(static r => r.TryGetProperty("invoked", out _)), TimeSpan.FromSeconds(10), found => $"{found?.Count} records of {requestId}, no outcome");
        var outcome = Assert.Single(records, static r => r.TryGetProperty("invoked", out _));
        Assert.Equal("refused:" + ProblemCodes.StoreUnavailable, outcome.GetProperty("decision").GetString());
        Assert.Equal(503, outcome.GetProperty("status_code").GetInt32());
        Assert.False(outcome.GetProperty("invoked").GetBoolean());
    }

    [Fact]
    public async Task PushConfigSet_UnderRedactDegrade_IsRefusedAndNothingSent_WhileTheTaskItselfIsServedRedacted()
    {
        await using var setup = await StartAsync(redacted: true);
        var opened = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "open a task"));
        var task = opened.GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        var set = await SendAsync(setup.Gateway.Agent, A2aPushConfigTests.Call("CreateTaskPushNotificationConfig", new { taskId = task, id = "", url = Webhook }));

        Assert.DoesNotContain("ops@example.com", opened.ToString(), StringComparison.Ordinal);
        Assert.Equal("degrade_refused", set.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.DoesNotContain(setup.Agent.Received, r => r.Method.Contains("ushNotificationConfig", StringComparison.Ordinal));
        Assert.Empty(setup.Agent.PushConfigs);
    }

    [Fact]
    public async Task SendMessage_WebhookSetUnderAnotherSkillOnATaskOpenedUnderRedact_IsRefusedAndNothingSent()
    {
        await using var setup = await StartAsync(redacted: true, grantTranslate: true);
        var agent = setup.Gateway.Agent;
        // Opened under summarize, degraded to redact: the remote agent's task holds what the gateway redacted on the way back.
        var task = (await SendAsync(agent, Message("SendMessage", "summarize", "open"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;
        var plain = (await SendAsync(agent, Message("SendMessage", "translate", "no redaction"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        var hooked = await SendAsync(agent, Message("SendMessage", "translate", "more", taskId: task)[..^2] + ",\"configuration\":{\"pushNotificationConfig\":{\"url\":\"" + Webhook + "\"}}}}");
        var hookedPlain = await SendAsync(agent, Message("SendMessage", "translate", "more", taskId: plain)[..^2] + ",\"configuration\":{\"pushNotificationConfig\":{\"url\":\"" + Webhook + "\"}}}}");

        Assert.True(hooked.TryGetProperty("error", out var error), "forwarded: " + hooked);
        Assert.Equal("degrade_refused", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("push-notification webhook", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        // A task never served redacted takes a webhook as before.
        Assert.True(hookedPlain.TryGetProperty("result", out _), hookedPlain.ToString());
        Assert.Equal(3, setup.Agent.Received.Count);
        Assert.DoesNotContain(setup.Agent.Received, r => r.Params.GetProperty("message").TryGetProperty("taskId", out var id) && id.GetString() == task);
    }

    [Fact]
    public async Task PushConfigSet_OnATaskOpenedUnderRedactWithTheAgentEntryAllowed_IsRefused()
    {
        await using var setup = await StartAsync(redacted: true, redactAgentEntry: false);
        var task = (await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "open"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        var set = await SendAsync(setup.Gateway.Agent, A2aPushConfigTests.Call("CreateTaskPushNotificationConfig", new { taskId = task, id = "", url = Webhook }));

        Assert.True(set.TryGetProperty("error", out var error), "forwarded: " + set);
        Assert.Equal("degrade_refused", error.GetProperty("data").GetProperty("code").GetString());
        Assert.DoesNotContain(setup.Agent.Received, r => r.Method.Contains("ushNotificationConfig", StringComparison.Ordinal));
        Assert.Empty(setup.Agent.PushConfigs);
    }

    [Fact]
    public async Task PushConfigSet_OnATaskOpenedUnderRedact_WhenItsRedactFlagCannotBeRead_IsRefusedStoreUnavailable()
    {
        await using var setup = await StartAsync(redacted: true, redactAgentEntry: false, wrapStore: WebhookFlagReadsFail);
        var task = (await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "open"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        var set = await SendAsync(setup.Gateway.Agent, A2aPushConfigTests.Call("CreateTaskPushNotificationConfig", new { taskId = task, id = "", url = Webhook }));

        Assert.True(set.TryGetProperty("error", out var error), "forwarded: " + set);
        Assert.Equal(ProblemCodes.StoreUnavailable, error.GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.Agent.PushConfigs);
    }

    // The store, with every read of an A2A task's webhook flag failing as an unavailable store fails it.
    private static IStateStore WebhookFlagReadsFail(IStateStore inner) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.GetManyAsync) && args is [IReadOnlyList<string> keys, ..] && keys.Any(static k => k.Contains(":a2a-task-webhook:", StringComparison.Ordinal))
                ? ValueTask.FromException<IReadOnlyList<string?>>(new StateStoreUnavailableException("Injected: the store went down."))
                : call());
}
