using System.Net;
using System.Runtime.CompilerServices;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// A person's access token whose consent cannot be read (the store down): refused 503 <c>store_unavailable</c>, recorded
/// under the agent that presented it every time (the once-a-minute claim needs the store), as a signed
/// <c>X-Gamut-Person</c>'s outage is; any other failure of the read is 500 <c>internal_error</c>, recorded under the agent;
/// nothing forwarded.
/// </summary>
public sealed class InteractiveTokenStoreOutageTests
{
    [Fact]
    public async Task Post_ConsentUnreadablePresentedTwice_Is503StoreUnavailableRecordedEachTime()
    {
        var down = new StrongBox<bool>(false);
        await using var gw = await InteractiveGateway.StartAsync(dynamicRegistration: false, [], configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => InterceptedStateStore.Wrap(store, (method, args, call) =>
                down.Value && method.Name == nameof(IStateStore.GetAsync) && args is [string key, ..] && key.Contains("oauth:family:", StringComparison.Ordinal)
                    ? ValueTask.FromException<string?>(new StateStoreUnavailableException("Injected: the store went down."))
                    : call()))));
        var access = (await gw.SignInAndExchangeAsync("bruno", ["engineers"])).GetProperty("access_token").GetString()!;
        down.Value = true;

        for (var i = 0; i < 2; i++)
        {
            using var refused = await gw.InitializeAsync(access);

            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "store_unavailable");
            Assert.NotNull(refused.Headers.RetryAfter);
            var record = Assert.Single(await gw.Gateway.AuditRecordsAsync(Assert.Single(refused.Headers.GetValues("X-Request-Id"))));
            Assert.Equal("refused:store_unavailable", record.GetProperty("decision").GetString());
            Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
        }

        Assert.Empty(gw.Gateway.Upstream.Received);
    }

    [Fact]
    public async Task Post_ConsentReadThrowsUnexpectedly_Is500InternalErrorRecordedUnderTheAgent()
    {
        var broken = new StrongBox<bool>(false);
        await using var gw = await InteractiveGateway.StartAsync(dynamicRegistration: false, [], configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => InterceptedStateStore.Wrap(store, (method, args, call) =>
                broken.Value && method.Name == nameof(IStateStore.GetAsync) && args is [string key, ..] && key.Contains("oauth:family:", StringComparison.Ordinal)
                    ? ValueTask.FromException<string?>(new InvalidOperationException("Injected: the consent read failed."))
                    : call()))));
        var access = (await gw.SignInAndExchangeAsync("bruno", ["engineers"])).GetProperty("access_token").GetString()!;
        broken.Value = true;

        using var refused = await gw.InitializeAsync(access);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.InternalServerError, "internal_error");
        var record = Assert.Single(await gw.Gateway.AuditRecordsAsync(Assert.Single(refused.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("refused:internal_error", record.GetProperty("decision").GetString());
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
        Assert.False(record.TryGetProperty("tool", out _));
        Assert.Empty(gw.Gateway.Upstream.Received);
    }
}
