using System.Text.Json;
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
}
