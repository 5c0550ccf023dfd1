using System.Diagnostics;
using System.Net;
using Gateway.Authorization.AccessTokens;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Hosting;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// An unexpected exception (a bug, a library's failure) after the signature or access token proved the agent but before the
/// request names a tool (its run being bound, its describer, a token's delegated child read): a 500 <c>internal_error</c>, recorded under no tool for that agent once a minute (every time when the store cannot claim the minute), nothing forwarded.
/// </summary>
public sealed class UnexpectedFailureRecordTests
{
    private const string Kind = "TestThrows";
    private const string Path = "/test/route-kinds/throws";

    [Fact]
    public async Task Describe_DescriberThrowsUnexpectedly_Refuses500AndRecordsItUnderNoTool()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Services
            .AddRouteKind<ThrowingDescriber, UnusedResponder>(GatewayRoutes.Post("test-throws", Path, Kind)));

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, Path, """{"say":"hello"}"""));

        await AssertRecordedUnderNoToolAsync(gw, response);
    }

    [Fact]
    public async Task InvokeTool_RunBindingThrowsUnexpectedly_Refuses500AndRecordsItUnderNoTool()
    {
        var failing = new Switch();
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => InterceptedStateStore.Wrap(store, (method, args, call) =>
                failing.On && method.Name == nameof(IStateStore.GetManyAsync) && args is [IReadOnlyList<string> { Count: > 0 } keys, ..] && keys[0].Contains(":run:", StringComparison.Ordinal)
                    ? ValueTask.FromException<IReadOnlyList<string?>>(new InvalidOperationException("Injected: a bug in the run's read."))
                    : call()))));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        failing.On = true;

        using var response = await RunCalls.InRunAsync(gw.Agent, run);

        await AssertRecordedUnderNoToolAsync(gw, response);
    }

    [Fact]
    public async Task Mcp_ChildLookupAfterAccessTokenThrowsUnexpectedly_Refuses500AndRecordsItUnderNoTool()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => InterceptedStateStore.Wrap(store, (method, args, call) =>
                method.Name == nameof(IStateStore.GetAsync) && args is [string key, ..] && key.Contains(":delegation:", StringComparison.Ordinal)
                    ? ValueTask.FromException<string?>(new InvalidOperationException("Injected: a bug in the child's read."))
                    : call()))));
        // A token the gateway issued (so proven) for an id of a delegated child's form, which the bundle does not register.
        const string child = "dlg-abcdefghijklmnopqrstuvwxyz";
        var origin = gw.Host.BaseAddress.GetLeftPart(UriPartial.Authority);
        var token = gw.Host.Services.GetRequiredService<AccessTokenFormat>().Issue(origin, origin + "/mcp", new AuthenticatedCaller("demo", "ws-demo", child),
            thumbprint: null, secretFingerprint: null, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var response = await gw.Host.Client.SendAsync(request);

        await AssertRecordedUnderNoToolAsync(gw, response, child);
    }

    [Fact]
    public async Task Describe_DescriberThrowsRepeatedly_RecordsItOncePerMinute()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Services
            .AddRouteKind<ThrowingDescriber, UnusedResponder>(GatewayRoutes.Post("test-throws", Path, Kind)));

        using var first = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, Path, """{"say":"hello"}"""));
        using var second = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, Path, """{"say":"hello"}"""));

        await AssertRecordedUnderNoToolAsync(gw, first);
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
        Assert.Empty(await gw.AuditRecordsAsync(Assert.Single(second.Headers.GetValues("X-Request-Id"))));
    }

    [Fact]
    public async Task Describe_DescriberThrowsWhileTheOncePerMinuteClaimFails_RecordsItAnyway()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
        {
            builder.Services.AddRouteKind<ThrowingDescriber, UnusedResponder>(GatewayRoutes.Post("test-throws", Path, Kind));
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => ClaimsFail(store)));
        });

        using var first = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, Path, """{"say":"hello"}"""));
        using var second = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, Path, """{"say":"hello"}"""));

        await AssertRecordedUnderNoToolAsync(gw, first);
        await AssertRecordedUnderNoToolAsync(gw, second);
    }

    [Fact]
    public async Task InvokeTool_RunBindingThrowsRepeatedly_RecordsItOncePerMinute()
    {
        var failing = new Switch();
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => InterceptedStateStore.Wrap(store, (method, args, call) =>
                failing.On && method.Name == nameof(IStateStore.GetManyAsync) && args is [IReadOnlyList<string> { Count: > 0 } keys, ..] && keys[0].Contains(":run:", StringComparison.Ordinal)
                    ? ValueTask.FromException<IReadOnlyList<string?>>(new InvalidOperationException("Injected: a bug in the run's read."))
                    : call()))));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        failing.On = true;

        using var first = await RunCalls.InRunAsync(gw.Agent, run);
        using var second = await RunCalls.InRunAsync(gw.Agent, run);

        await AssertRecordedUnderNoToolAsync(gw, first);
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
        Assert.Empty(await gw.AuditRecordsAsync(Assert.Single(second.Headers.GetValues("X-Request-Id"))));
    }

    // The store, with Respond's once-a-minute claim (its set-if-absent) failing as an unavailable store fails it.
    private static IStateStore ClaimsFail(IStateStore inner) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.TrySetIfAbsentAsync) && args is [string key, ..] && key.Contains(":refusal-recorded:", StringComparison.Ordinal)
                ? ValueTask.FromException<bool>(new StateStoreUnavailableException("Injected: the store went down."))
                : call());

    // The answer is 500 internal_error, its one record refused:internal_error under the agent (the demo agent's unless named) and no tool; nothing forwarded.
    private static async Task AssertRecordedUnderNoToolAsync(GovernedGateway gw, HttpResponseMessage response, string agent = "demo-agent")
    {
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
        var record = Assert.Single(await gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("refused:" + ProblemCodes.InternalError, record.GetProperty("decision").GetString());
        Assert.Equal((int)HttpStatusCode.InternalServerError, record.GetProperty("status_code").GetInt32());
        Assert.Equal(agent, record.GetProperty("agent").GetString());
        Assert.False(record.TryGetProperty("tool", out _));
        Assert.Empty(gw.Upstream.Received);
    }

    /// <summary>A fault, off until a test turns it on.</summary>
    private sealed class Switch
    {
        private volatile bool _on;

        public bool On
        {
            get => _on;
            set => _on = value;
        }
    }

    /// <summary>Fails every request it describes, as a bug would.</summary>
    private sealed class ThrowingDescriber : IRouteDescriber
    {
        public ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated) =>
            throw new InvalidOperationException("Injected: a bug in the describer.");
    }

    /// <summary>Never reached: every request is refused before it is answered.</summary>
    private sealed class UnusedResponder : IRouteResponder
    {
        public ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature) => throw new UnreachableException();
    }
}
