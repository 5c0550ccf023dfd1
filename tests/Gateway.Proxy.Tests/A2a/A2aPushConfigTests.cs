using System.Text.Json;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A task's push-notification configuration through the gateway (docs/a2a.md), in both wire versions: set, read, listed
/// and deleted on the caller's own task, passed through to the real Kestrel agent; a webhook on a metadata, link-local or
/// private address refused before anything is sent, and recorded; another agent's task not found.
/// </summary>
public sealed class A2aPushConfigTests
{
    [Fact]
    public async Task PushConfig_OwnTaskPublicWebhook_IsSetReadListedAndDeletedOnTheAgent()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var task = await OpenTaskAsync(setup);

        var set = await SendAsync(gw.Agent, Call("CreateTaskPushNotificationConfig", new { taskId = task, id = "", url = "https://hooks.example.com/a2a", token = "t-1" }));
        var got = await SendAsync(gw.Agent, Call("GetTaskPushNotificationConfig", new { taskId = task, id = "cfg-" + task }));
        var listed = await SendAsync(gw.Agent, Call("ListTaskPushNotificationConfigs", new { taskId = task }));
        var deleted = await SendAsync(gw.Agent, Call("DeleteTaskPushNotificationConfig", new { taskId = task, id = "cfg-" + task }));

        Assert.Equal("https://hooks.example.com/a2a", set.GetProperty("result").GetProperty("url").GetString());
        Assert.Equal("cfg-" + task, got.GetProperty("result").GetProperty("id").GetString());
        Assert.Equal(task, Assert.Single(listed.GetProperty("result").GetProperty("configs").EnumerateArray()).GetProperty("taskId").GetString());
        Assert.True(deleted.TryGetProperty("result", out _), deleted.ToString());
        Assert.Empty(setup.Agent.PushConfigs);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://10.0.0.7/hook")]
    [InlineData("http://localhost:8080/hook")]
    public async Task PushConfigSet_WebhookOnAnInternalAddress_IsRefusedAndRecorded_NothingSent(string url)
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var task = await OpenTaskAsync(setup);

        var refused = await SendAsync(gw.Agent, Call("CreateTaskPushNotificationConfig", new { taskId = task, id = "", url }));
        var refused03 = await SendAsync(gw.Agent, Call("tasks/pushNotificationConfig/set", new { taskId = task, pushNotificationConfig = new { url } }));

        foreach (var reply in new[] { refused, refused03 })
        {
            Assert.Equal(-32602, reply.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal("a2a_push_url_refused", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        }

        Assert.DoesNotContain(setup.Agent.Received, r => r.Method.Contains("ushNotificationConfig", StringComparison.Ordinal));
        var audit = await gw.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000");
        Assert.Contains("refused:a2a_push_url_refused", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushConfig_AnotherAgentsTask_IsNotFound_InBothVersions()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var task = await OpenTaskAsync(setup);

        var set = await SendAsync(gw.Rogue, Call("CreateTaskPushNotificationConfig", new { taskId = task, id = "", url = "https://hooks.example.com/a2a" }));
        var listed03 = await SendAsync(gw.Rogue, Call("tasks/pushNotificationConfig/list", new { id = task }));

        Assert.Equal(-32001, set.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32001, listed03.GetProperty("error").GetProperty("code").GetInt32());
        Assert.DoesNotContain(setup.Agent.Received, r => r.Method.Contains("ushNotificationConfig", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PushConfig_Version03Spelling_OwnTask_IsPassedThrough()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var task = await OpenTaskAsync(setup);

        var set = await SendAsync(gw.Agent, Call("tasks/pushNotificationConfig/set", new { taskId = task, pushNotificationConfig = new { url = "https://hooks.example.com/a2a" } }));
        var listed = await SendAsync(gw.Agent, Call("tasks/pushNotificationConfig/list", new { id = task }));

        Assert.Equal("https://hooks.example.com/a2a", set.GetProperty("result").GetProperty("pushNotificationConfig").GetProperty("url").GetString());
        Assert.Single(listed.GetProperty("result").GetProperty("configs").EnumerateArray());
    }

    [Fact]
    public async Task SendMessage_WithPushConfigUnderReadOnlyDegrade_IsRefusedAndNothingSent()
    {
        // summarize reads, so read_only lets its message through; the configuration it carries would be created and pushed to.
        await using var setup = await StartAsync(redacted: true, degradeMode: "read_only");

        var reply = await SendAsync(setup.Gateway.Agent,
            Message("SendMessage", "summarize", "x")[..^2] + ",\"configuration\":{\"pushNotificationConfig\":{\"url\":\"https://" + NamedWebhookHosts.Public + "/a2a\"}}}}");
        var plain = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "x"));

        Assert.True(reply.TryGetProperty("error", out var error), "forwarded: " + reply);
        Assert.Equal("degrade_refused", error.GetProperty("data").GetProperty("code").GetString());
        Assert.True(plain.TryGetProperty("result", out _), plain.ToString());
        Assert.Single(setup.Agent.Received);
        Assert.Empty(setup.Agent.PushConfigs);
    }

    internal static async Task<string> OpenTaskAsync(Setup setup) =>
        (await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "open a task"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

    internal static string Call(string method, object parameters) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 9, method, @params = parameters });
}
