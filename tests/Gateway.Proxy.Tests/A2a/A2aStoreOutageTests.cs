using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A state store that fails once the remote agent answered (the task's owner could not be recorded): the answer says the
/// call may have reached the remote agent, never that nothing was forwarded, and the call's recorded outcome (invoked) is
/// its only outcome: no refusal is recorded after it for the same request.
/// </summary>
public sealed class A2aStoreOutageTests
{
    [Fact]
    public async Task SendMessage_StoreFailsRecordingTheTaskOwnerAfterTheRemoteAnswered_AnswersInvokedAndRecordsNoSecondRefusal()
    {
        var agent = new A2aTestAgent();
        await using var upstream = await KestrelUpstream.StartAsync(agent.Map);
        await using var gw = await StartAsync(upstream);

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendMessage", "summarize", "the quarterly report")));
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Single(agent.Received);
        var error = reply.GetProperty("error");
        Assert.Equal(ProblemCodes.StoreUnavailable, error.GetProperty("data").GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString();
        Assert.DoesNotContain("nothing was forwarded", message, StringComparison.Ordinal);
        Assert.Contains("may have reached the upstream", message, StringComparison.Ordinal);

        var records = await gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.DoesNotContain(records, r => r.GetProperty("decision").GetString()!.StartsWith("refused:", StringComparison.Ordinal));
        Assert.Contains(records, r => r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
    }

    [Fact]
    public async Task SendMessage_StoreFailsAfterTheRemoteAnswered_SendsNoRetryAfterAndShouldRetryFalse()
    {
        var agent = new A2aTestAgent();
        await using var upstream = await KestrelUpstream.StartAsync(agent.Map);
        await using var gw = await StartAsync(upstream);

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendMessage", "summarize", "the quarterly report")));
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Single(agent.Received);
        Assert.Equal(ProblemCodes.StoreUnavailable, error.GetProperty("data").GetProperty("code").GetString());
        Assert.Null(response.Headers.RetryAfter);
        Assert.Equal("false", Assert.Single(response.Headers.GetValues("x-should-retry")));
    }

    [Fact]
    public async Task SendStreamingMessage_StoreFailsRecordingTheFirstEventsTask_SendsNoRetryAfterAndShouldRetryFalse()
    {
        var agent = new A2aTestAgent();
        await using var upstream = await KestrelUpstream.StartAsync(agent.Map);
        await using var gw = await StartAsync(upstream);

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendStreamingMessage", "summarize", "the quarterly report")));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Single(agent.Received);
        Assert.Contains(ProblemCodes.StoreUnavailable, body, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing was forwarded", body, StringComparison.Ordinal);
        Assert.Null(response.Headers.RetryAfter);
        Assert.Equal("false", Assert.Single(response.Headers.GetValues("x-should-retry")));
    }

    // A gateway with the helper agent's connector at `upstream` and every claim of an A2A task's owner failing.
    private static Task<GovernedGateway> StartAsync(KestrelUpstream upstream) =>
        GovernedGateway.StartAsync(
            text => text
                .Replace("  - name: workspace\n", $"""
                      - {"{"} name: helper, kind: a2a, action_type: read, target_system: helper, upstream: {upstream.Origin}/a2a, credential: none {"}"}
                      - {"{"} name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize {"}"}

                      - name: workspace

                    """, StringComparison.Ordinal)
                .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: helper }\n      - { tool: helper.summarize }\n", StringComparison.Ordinal),
            configure: builder => builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => TaskOwnersFail(store))));

    // The store, with every claim of an A2A task's owner failing as an unavailable store fails it.
    private static IStateStore TaskOwnersFail(IStateStore inner) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.TrySetIfAbsentAsync) && args is [string key, ..] && key.Contains(":a2a-task:", StringComparison.Ordinal)
                ? ValueTask.FromException<bool>(new StateStoreUnavailableException("Injected: the store went down."))
                : call());
}
