using static Gateway.Proxy.Tests.A2a.A2aPushConfigTests;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;
using static Gateway.Proxy.Tests.A2a.A2aWebhookResolutionTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// An <c>a2a</c> connector's <c>push_hosts</c> through the gateway (docs/a2a.md): a webhook on a host it does not list is
/// refused before anything is resolved or sent, and recorded, in a message's configuration and in a configuration set;
/// a listed host (or a name under a listed <c>*.</c> domain) passes the address checks as before; <c>[]</c> refuses
/// every webhook and nothing else.
/// </summary>
public sealed class A2aPushHostsTests
{
    [Theory]
    [InlineData("https://elsewhere.example.org/hook")]
    [InlineData("https://8.8.4.4/hook")]
    [InlineData("https://hooks.example.com.elsewhere.example.org/hook")]
    [InlineData("https://push.example.net/hook")]
    public async Task PushWebhook_HostTheConnectorDoesNotList_IsRefusedUnresolvedAndRecorded_NothingSent(string url)
    {
        await using var setup = await StartAsync(pushHosts: $"[{NamedWebhookHosts.Public}, \"*.push.example.net\"]");
        var task = await OpenTaskAsync(setup);

        var message = await SendAsync(setup.Gateway.Agent, WithPushUrl(url));
        var set = await SendAsync(setup.Gateway.Agent, Call("CreateTaskPushNotificationConfig", new { taskId = task, id = "", url }));

        foreach (var reply in new[] { message, set })
        {
            Assert.Equal(-32602, reply.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal("a2a_push_url_refused", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
            Assert.Contains("push_hosts", reply.GetProperty("error").ToString(), StringComparison.Ordinal);
        }

        Assert.Empty(setup.WebhookHosts.Asked);
        Assert.Single(setup.Agent.Received); // the message that opened the task, nothing since
        var audit = await setup.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000");
        Assert.Contains("refused:a2a_push_url_refused", audit, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://HOOKS.example.com./hook", NamedWebhookHosts.Public)]
    [InlineData("https://" + NamedWebhookHosts.UnderPushDomain + "/hook", NamedWebhookHosts.UnderPushDomain)]
    public async Task PushWebhook_ListedHostOrNameUnderAListedDomain_IsResolvedAndForwarded(string url, string resolved)
    {
        await using var setup = await StartAsync(pushHosts: $"[{NamedWebhookHosts.Public}, \"*.push.example.net\"]");

        var reply = await SendAsync(setup.Gateway.Agent, WithPushUrl(url));

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Equal([resolved], setup.WebhookHosts.Asked);
        Assert.Single(setup.Agent.Received);
    }

    [Fact]
    public async Task PushWebhook_ListedHostResolvingToAnInternalAddress_IsStillRefused()
    {
        await using var setup = await StartAsync(pushHosts: $"[{NamedWebhookHosts.Metadata}]");

        var reply = await SendAsync(setup.Gateway.Agent, WithPushUrl($"https://{NamedWebhookHosts.Metadata}/hook"));

        Assert.Equal("a2a_push_url_refused", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal([NamedWebhookHosts.Metadata], setup.WebhookHosts.Asked);
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task PushWebhook_EmptyPushHosts_RefusesEveryWebhook_AndMessagesWithoutOneGoThrough()
    {
        await using var setup = await StartAsync(pushHosts: "[]", allowInternalPush: true);

        var withWebhook = await SendAsync(setup.Gateway.Agent, WithPushUrl($"https://{NamedWebhookHosts.Public}/hook"));
        var without = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "no webhook"));

        Assert.Equal("a2a_push_url_refused", withWebhook.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.True(without.TryGetProperty("result", out _), without.ToString());
        Assert.Single(setup.Agent.Received);
        Assert.Empty(setup.WebhookHosts.Asked);
    }
}
