using System.Net;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// A nonce is remembered for as long as its timestamp can be accepted: the gateway's clock is a
/// manual one, so the edges of the window are hit exactly, not by waiting.
/// </summary>
public sealed class NonceWindowTests : IAsyncLifetime
{
    private const string EvaluateBody = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_900_000_000));
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        _gateway = await GatewayHost.StartAsync(_bundle.Directory, configure: builder => builder.Services.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
    }

    [Theory]
    [InlineData(300_000, 600_300)]
    [InlineData(300_000, 599_900)]
    [InlineData(-300_000, 300)]
    public async Task Replay_AnywhereInsideOrJustPastTheWindow_IsRefused(int clientAheadMs, int replayAfterMs)
    {
        // The client's clock is ahead (or behind) by the whole allowed skew: its timestamp is accepted for the longest time.
        var agent = new AgentClient(_gateway.Client, _bundle.AgentSecret, time: new AheadOf(_clock, TimeSpan.FromMilliseconds(clientAheadMs)));
        using var original = agent.Create(HttpMethod.Post, "/v1/evaluate", EvaluateBody);
        using var replay = await AgentClient.CloneAsync(original);
        using var first = await _gateway.Client.SendAsync(original);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        _clock.Advance(TimeSpan.FromMilliseconds(replayAfterMs));
        using var second = await _gateway.Client.SendAsync(replay);

        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
    }

    [Fact]
    public void NonceLifetime_NotCoveringTheWindowPlusMargin_IsRefusedAtStartUp()
    {
        var options = new GatewayOptions();
        options.Policy.BundlePath = _bundle.Directory;
        options.Authentication.NonceLifetime = TimeSpan.FromSeconds(600);

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("NonceLifetime", StringComparison.Ordinal));
        Assert.True(_gateway.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.Authentication.NonceLifetime
            >= GatewayOptionsValidator.MinimumNonceLifetime(TimeSpan.FromSeconds(300)));
    }

    private sealed class AheadOf(TimeProvider clock, TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow() + offset;
    }
}
