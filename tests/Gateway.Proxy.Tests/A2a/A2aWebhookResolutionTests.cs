using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Connectors.Egress;
using Gateway.Proxy.A2a;
using static Gateway.Proxy.Tests.A2a.A2aPushConfigTests;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A push-notification webhook's host name is resolved once the request is admitted and its decision recorded, before it
/// is forwarded (docs/a2a.md): a name that resolves to a metadata, loopback or private address (any one of its addresses)
/// is refused as an internal address is, a name that does not resolve or not in time is refused too (fail closed), each
/// recorded as its decision's outcome with nothing sent; a public name passes, and a tenant that allows internal push has
/// nothing resolved.
/// </summary>
public sealed class A2aWebhookResolutionTests
{
    [Theory]
    [InlineData(NamedWebhookHosts.Metadata)]
    [InlineData(NamedWebhookHosts.Loopback)]
    [InlineData(NamedWebhookHosts.PublicAndPrivate)]
    public async Task PushConfigSet_NameResolvingToAnInternalAddress_IsRefusedAndRecorded_NothingSent(string host)
    {
        await using var setup = await StartAsync();
        var task = await OpenTaskAsync(setup);

        var refused = await SendAsync(setup.Gateway.Agent, Call("CreateTaskPushNotificationConfig", new { taskId = task, id = "", url = $"https://{host}/hook" }));
        var message = await SendAsync(setup.Gateway.Agent, WithPushUrl($"http://{host}/hook"));

        foreach (var reply in new[] { refused, message })
        {
            Assert.Equal(-32602, reply.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal("a2a_push_url_refused", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        }

        Assert.Contains("resolves to", refused.GetProperty("error").GetProperty("message").GetString() + refused.GetProperty("error").GetProperty("data").ToString(), StringComparison.Ordinal);
        Assert.Equal([host, host], setup.WebhookHosts.Asked);
        Assert.Single(setup.Agent.Received); // the message that opened the task, nothing since
        Assert.Equal(2, await RefusedOutcomesAsync(setup));
    }

    [Theory]
    [InlineData("nowhere.example.com")]
    [InlineData(NamedWebhookHosts.NeverAnswers)]
    public async Task SendMessage_PushHostThatDoesNotResolveOrNotInTime_IsRefusedUnresolvedAndRecorded(string host)
    {
        await using var setup = await StartAsync();
        var started = Stopwatch.GetTimestamp();

        var reply = await SendAsync(setup.Gateway.Agent, WithPushUrl($"https://{host}/hook"));

        Assert.Equal(-32602, reply.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("a2a_push_url_unresolved", reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.True(Stopwatch.GetElapsedTime(started) < A2aWebhookAddress.ResolveTimeout + TimeSpan.FromSeconds(10));
        Assert.Empty(setup.Agent.Received);
        Assert.Equal(1, await RefusedOutcomesAsync(setup));
    }

    [Fact]
    public async Task SendMessage_PushHostResolvingToAPublicAddress_IsForwarded()
    {
        await using var setup = await StartAsync();

        var reply = await SendAsync(setup.Gateway.Agent, WithPushUrl($"https://{NamedWebhookHosts.Public}/hook"));

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Equal([NamedWebhookHosts.Public], setup.WebhookHosts.Asked);
        Assert.Single(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_NameResolvingToAnInternalAddressTheTenantAllows_IsForwardedUnresolved()
    {
        await using var setup = await StartAsync(allowInternalPush: true);

        var reply = await SendAsync(setup.Gateway.Agent, WithPushUrl($"http://{NamedWebhookHosts.Metadata}/hook"));

        Assert.True(reply.TryGetProperty("result", out _), reply.ToString());
        Assert.Empty(setup.WebhookHosts.Asked);
    }

    [Fact]
    public async Task ResolvedRefusalOfAsync_AddressWrittenInTheUrl_IsNotResolved()
    {
        var hosts = new NamedWebhookHosts();

        var refusal = await A2aWebhookAddress.ResolvedRefusalOfAsync("https://8.8.8.8/hook", hosts, CancellationToken.None);
        var v6 = await A2aWebhookAddress.ResolvedRefusalOfAsync("https://[2606:4700:4700::1111]/hook", hosts, CancellationToken.None);

        Assert.Null(refusal);
        Assert.Null(v6);
        Assert.Empty(hosts.Asked);
    }

    [Fact]
    public void IsInternal_EveryAddressTheNamesResolveTo_IsJudgedAsTheLiteralIs()
    {
        Assert.True(InternalAddresses.IsInternal(IPAddress.Parse("169.254.169.254")));
        Assert.True(InternalAddresses.IsInternal(IPAddress.Parse("::ffff:10.0.0.5")));
        Assert.True(InternalAddresses.IsInternal(IPAddress.Parse("64:ff9b::a9fe:a9fe")));
        Assert.True(InternalAddresses.IsInternal(IPAddress.Parse("2002:7f00:1::")));
        Assert.True(InternalAddresses.IsInternal(IPAddress.Parse("224.0.0.251")));
        Assert.False(InternalAddresses.IsInternal(IPAddress.Parse("8.8.4.4")));
        Assert.False(InternalAddresses.IsInternal(IPAddress.Parse("2606:4700:4700::1111")));
    }

    /// <summary>The outcomes on record of the agent's allowed calls refused before anything was forwarded (not invoked, 403).</summary>
    internal static async Task<int> RefusedOutcomesAsync(Setup setup)
    {
        using var page = JsonDocument.Parse(await setup.Gateway.Admin().GetStringAsync("/admin/v1/tenants/demo/audit?start=0&limit=1000"));
        return page.RootElement.GetProperty("records").EnumerateArray().Count(static r => r.GetProperty("agent").GetString() == "demo-agent"
            && r.GetProperty("decision").GetString() == "allow" && r.TryGetProperty("invoked", out var invoked) && invoked.ValueKind == JsonValueKind.False
            && r.TryGetProperty("status_code", out var status) && status.GetInt32() == 403);
    }

    internal static string WithPushUrl(string url) =>
        Message("SendMessage", "summarize", "x")[..^2] + ",\"configuration\":{\"taskPushNotificationConfig\":{\"url\":" + JsonSerializer.Serialize(url) + "}}}}";
}
