using System.Text.Json;
using static Gateway.Proxy.Tests.A2a.A2aPushConfigTests;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// Push-notification webhooks in every shape either A2A version (or a lenient SDK) reads one from, through the gateway
/// (docs/a2a.md): a configuration set's top-level url beside a nested one, a message's snake_case configuration, a list
/// of configurations, a url spelled in upper case; each webhook found is checked by the one rule, an internal one refused
/// and recorded with nothing sent, a configuration that cannot be read refused, a public one resolved and forwarded.
/// </summary>
public sealed class A2aPushShapeTests
{
    [Theory]
    [InlineData("""{"url":"http://127.0.0.1/hook","pushNotificationConfig":{"url":"https://hooks.example.com/a2a"}}""")]
    [InlineData("""{"pushNotificationConfig":{"url":"https://hooks.example.com/a2a"},"config":{"url":"http://10.0.0.7/hook"}}""")]
    [InlineData("""{"push_notification_config":{"url":"http://169.254.169.254/latest"}}""")]
    [InlineData("""{"pushNotificationConfig":[{"url":"https://hooks.example.com/a2a"},{"url":"http://10.0.0.7/hook"}]}""")]
    [InlineData("""{"URL":"http://169.254.169.254/latest"}""")]
    [InlineData("""{"pushNotificationConfig":{"url":"https://hooks.example.com/a2a"},"CONFIG":{"url":"http://10.0.0.7/hook"}}""")]
    [InlineData("""{"puſhNotificationConfig":{"url":"http://169.254.169.254/latest"}}""")]
    public async Task PushConfigSet_InternalWebhookInAnyShape_IsRefusedAndRecorded_NothingSent(string config)
    {
        await using var setup = await StartAsync();
        var task = await OpenTaskAsync(setup);

        var reply = await SendAsync(setup.Gateway.Agent, SetCall(task, config));

        AssertRefused(reply, "internal or reserved");
        Assert.DoesNotContain(setup.Agent.Received, r => r.Method.Contains("ushNotificationConfig", StringComparison.Ordinal));
        var audit = await setup.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000");
        Assert.Contains("refused:a2a_push_url_refused", audit, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"push_notification_config":{"url":"http://169.254.169.254/latest"}}""", "internal or reserved")]
    [InlineData("""{"taskPushNotificationConfig":{"url":"https://hooks.example.com/a2a","pushNotificationConfig":{"url":"http://127.0.0.1/hook"}}}""", "internal or reserved")]
    [InlineData("""{"pushNotificationConfig":[{"url":"https://hooks.example.com/a2a"},{"url":"http://[64:ff9b::a9fe:a9fe]/"}]}""", "internal or reserved")]
    [InlineData("""{"PushNotificationConfig":{"Url":"http://198.18.0.1/hook"}}""", "internal or reserved")]
    [InlineData("""{"puſh_notification_config":{"url":"http://169.254.169.254/latest"}}""", "internal or reserved")]
    [InlineData("""{"pushNotificationConfig":"http://169.254.169.254/latest"}""", "must be an object")]
    [InlineData("""{"pushNotificationConfig":{"url":["http://169.254.169.254/latest"]}}""", "url must be a string")]
    [InlineData("""{"pushNotificationConfig":{"webhook":"http://169.254.169.254/latest"}}""", "names no webhook")]
    [InlineData("""{"pushNotificationConfig":["http://169.254.169.254/latest"]}""", "must hold objects")]
    [InlineData("""{"pushNotificationConfig":[{"url":"https://a.example.com/"},{"url":"https://b.example.com/"},{"url":"https://c.example.com/"},{"url":"https://d.example.com/"},{"url":"https://e.example.com/"}]}""", "at most 4")]
    public async Task SendMessage_InternalWebhookInAnyShapeOrAConfigurationThatCannotBeRead_IsRefused_NothingSent(string configuration, string detail)
    {
        await using var setup = await StartAsync();

        var reply = await SendAsync(setup.Gateway.Agent, WithConfiguration(configuration));

        AssertRefused(reply, detail);
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task PushConfigSet_NamingNoWebhook_IsRefused_NothingSent()
    {
        await using var setup = await StartAsync();
        var task = await OpenTaskAsync(setup);

        var reply = await SendAsync(setup.Gateway.Agent, SetCall(task, """{"token":"t-1"}"""));

        AssertRefused(reply, "names no webhook");
        Assert.DoesNotContain(setup.Agent.Received, r => r.Method.Contains("ushNotificationConfig", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendMessage_SnakeCasePublicWebhook_IsResolvedAndForwarded_AndAFilePartsUrlIsNoWebhook()
    {
        await using var setup = await StartAsync();
        var body = Message("SendMessage", "summarize", "x")[..^2]
            + ",\"configuration\":{\"push_notification_config\":{\"url\":\"https://" + NamedWebhookHosts.Public + "/a2a\"}}}}";
        body = body.Replace("\"parts\":[{\"text\":\"x\"}]", "\"parts\":[{\"text\":\"x\"},{\"url\":\"http://10.0.0.7/report.pdf\",\"mediaType\":\"application/pdf\"}]", StringComparison.Ordinal);

        var reply = await SendAsync(setup.Gateway.Agent, body);

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Equal([NamedWebhookHosts.Public], setup.WebhookHosts.Asked);
        Assert.Equal("https://" + NamedWebhookHosts.Public + "/a2a", Assert.Single(setup.Agent.Received).Params.GetProperty("configuration").GetProperty("push_notification_config").GetProperty("url").GetString());
    }

    [Fact]
    public async Task PushConfigGet_Version03WithItsConfigurationId_IsPassedThrough()
    {
        await using var setup = await StartAsync();
        var task = await OpenTaskAsync(setup);

        var got = await SendAsync(setup.Gateway.Agent, Call("tasks/pushNotificationConfig/get", new { id = task, pushNotificationConfigId = "cfg-" + task }));

        Assert.True(got.TryGetProperty("result", out _), got.ToString());
    }

    private static void AssertRefused(JsonElement reply, string detail)
    {
        var error = reply.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("a2a_push_url_refused", error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains(detail, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static string SetCall(string task, string config) =>
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"CreateTaskPushNotificationConfig\",\"params\":{\"taskId\":" + JsonSerializer.Serialize(task) + "," + config[1..] + "}";

    private static string WithConfiguration(string configuration) =>
        Message("SendMessage", "summarize", "x")[..^2] + ",\"configuration\":" + configuration + "}}";
}
