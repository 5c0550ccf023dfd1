using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Governance;

/// <summary>
/// The Admit stage is one store call: an allowed request touches the state store exactly once
/// (<c>admit</c>: nonce, kill switches and rate limits together; the embedded audit journal is a file),
/// and a replay is refused by that same single call. Counted by a decorator around the gateway's real store.
/// </summary>
public sealed class StoreCallsPerRequestTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Request, string Call)> _calls = new();
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(configure: builder =>
        builder.Host.UseServiceProviderFactory(new CountingStoreFactory(_calls)));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task InvokeTool_Allowed_MakesExactlyOneStoreCall()
    {
        using var warm = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-warm"}}""");
        await DecisionJson.DecisionAsync(warm, "allow");

        var calls = await CallsOfAsync(_gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}"""), HttpStatusCode.OK);

        Assert.Equal(["admit"], calls);
    }

    [Fact]
    public async Task Evaluate_Replayed_IsRefusedByTheSameSingleStoreCall()
    {
        using var original = _gw.Agent.Create(HttpMethod.Post, "/v1/evaluate", """{"tool":"crm.read_contact","args":{"id":"c-2"}}""");
        using var replay = await AgentClient.CloneAsync(original);
        Assert.Equal(["admit"], await CallsOfAsync(original, HttpStatusCode.OK));

        var calls = await CallsOfAsync(replay, HttpStatusCode.Unauthorized);

        Assert.Equal(["admit"], calls);
    }

    private async Task<string[]> CallsOfAsync(HttpRequestMessage request, HttpStatusCode expected)
    {
        using var response = await _gw.Host.Client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single()
            : JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetString();
        return [.. _calls.Where(c => c.Request == requestId).Select(c => c.Call)];
    }

    /// <summary>Wraps whatever IStateStore the gateway finally registered, after all of its own registrations.</summary>
    private sealed class CountingStoreFactory(ConcurrentQueue<(string, string)> calls) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services) => services;

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder)
        {
            var original = containerBuilder.Last(d => d.ServiceType == typeof(IStateStore));
            containerBuilder.Remove(original);
            containerBuilder.AddSingleton<IStateStore>(sp => new CountingStateStore(Create(sp, original), calls, sp.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>()));
            containerBuilder.AddHttpContextAccessor();
            return containerBuilder.BuildServiceProvider();
        }

        private static IStateStore Create(IServiceProvider sp, ServiceDescriptor descriptor) =>
            (IStateStore)(descriptor.ImplementationInstance
                ?? descriptor.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));
    }
}
