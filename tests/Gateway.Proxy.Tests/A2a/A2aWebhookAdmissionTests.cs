using System.Net;
using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;
using static Gateway.Proxy.Tests.A2a.A2aWebhookResolutionTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A push-notification webhook's host name is resolved only once the request is admitted and its decision to carry it
/// out recorded (docs/a2a.md): a replayed, rate-limited or suspended agent's request makes the gateway look up no name,
/// and a name resolving to an internal address is refused as that decision's outcome (same code and JSON-RPC error as
/// ever, the decision and the refusal on record), nothing sent.
/// </summary>
public sealed class A2aWebhookAdmissionTests
{
    [Fact]
    public async Task SendMessage_ReplayedNonce_IsRefusedAndResolvesNoWebhookHost()
    {
        await using var setup = await StartAsync();
        var agent = setup.Gateway.Agent;
        var nonce = "push-" + Guid.NewGuid().ToString("N");
        var body = WithPushUrl($"https://{NamedWebhookHosts.Public}/hook");
        using (var first = await agent.SendAsync(agent.Create(HttpMethod.Post, "/a2a/helper", body, nonce)))
        {
            Assert.True(JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.TryGetProperty("result", out _));
        }

        using var replayed = await agent.SendAsync(agent.Create(HttpMethod.Post, "/a2a/helper", body, nonce));

        var reply = JsonDocument.Parse(await replayed.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(ProblemCodes.ReplayedNonce, reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Equal([NamedWebhookHosts.Public], setup.WebhookHosts.Asked);
        Assert.Single(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_AgentSuspended_IsBlockedAndResolvesNoWebhookHost()
    {
        await using var setup = await StartAsync();
        using (var suspend = await setup.Gateway.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        var reply = await SendAsync(setup.Gateway.Agent, WithPushUrl($"https://{NamedWebhookHosts.Loopback}/hook"));

        Assert.Equal(ProblemCodes.Blocked, reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.WebhookHosts.Asked);
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_RateLimited_IsRefusedAndResolvesNoWebhookHost()
    {
        await using var setup = await StartAsync(summarizeLimit: 1);
        var opened = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "within the limit"));
        Assert.True(opened.TryGetProperty("result", out _), opened.ToString());

        var reply = await SendAsync(setup.Gateway.Agent, WithPushUrl($"https://{NamedWebhookHosts.Public}/hook"));

        Assert.Equal(ProblemCodes.RateLimited, reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString());
        Assert.Empty(setup.WebhookHosts.Asked);
        Assert.Single(setup.Agent.Received);
    }

    [Fact]
    public async Task SendMessage_PushHostResolvingToLoopback_IsRefusedAsItsRecordedDecisionsOutcome_NothingSent()
    {
        await using var setup = await StartAsync();
        var agent = setup.Gateway.Agent;

        using var response = await agent.SendAsync(agent.Create(HttpMethod.Post, "/a2a/helper", WithPushUrl($"https://{NamedWebhookHosts.Loopback}/hook")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal(ProblemCodes.A2aPushUrlRefused, error.GetProperty("data").GetProperty("code").GetString());
        Assert.Contains("resolves to 127.0.0.1", error.ToString(), StringComparison.Ordinal);
        Assert.Equal([NamedWebhookHosts.Loopback], setup.WebhookHosts.Asked);
        Assert.Empty(setup.Agent.Received);
        // The decision stands on record, and the refusal as its outcome: not invoked, 403.
        var records = await RunCalls.RecordsOfAsync(setup.Gateway.Admin(), response);
        Assert.Equal(2, records.Count);
        Assert.Equal("allow", records[0].GetProperty("decision").GetString());
        Assert.True(records[0].TryGetProperty("policy_digest", out _), records[0].ToString());
        Assert.Equal("allow", records[1].GetProperty("decision").GetString());
        Assert.Equal(JsonValueKind.False, records[1].GetProperty("invoked").ValueKind);
        Assert.Equal(403, records[1].GetProperty("status_code").GetInt32());
    }
}
