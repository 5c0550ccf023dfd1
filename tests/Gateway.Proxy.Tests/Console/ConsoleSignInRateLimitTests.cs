using System.Globalization;
using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Console.ConsoleOidcSignIn;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// <c>GET /console/{tenant}/sign-in</c> keeps a sign-in flow in the shared store for anyone who asks, so it is rate
/// limited per client address as <c>/oauth/authorize</c> is: past the limit, the console's refusal page (429
/// <c>console_sign_in_rate_limited</c>, <c>Retry-After</c>), and no flow kept. On a clock held mid-minute, so every
/// request falls in one window.
/// </summary>
public sealed class ConsoleSignInRateLimitTests
{
    private const int Limit = 3;

    [Fact]
    public async Task SignIn_RepeatedFromOneAddress_Is429PastTheLimitAndStoresNoFlow()
    {
        var now = DateTimeOffset.UtcNow;
        var clock = new ManualTimeProvider(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 30, TimeSpan.Zero));
        var flows = 0;
        await using var gw = await PersonGateway.StartAsync(
            settings: new Dictionary<string, string>(DemoRoles) { ["Gateway:AccessTokens:AuthorizationsPerMinute"] = Limit.ToString(CultureInfo.InvariantCulture) },
            configure: builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(clock);
                builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => InterceptedStateStore.Wrap(store, (method, args, call) =>
                {
                    if (method.Name == nameof(IStateStore.SetAsync) && args is [string key, ..] && key.StartsWith("console:flow:", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref flows);
                    }

                    return call();
                })));
            });
        using var client = Browser(gw);
        for (var i = 0; i < Limit; i++)
        {
            await StartAsync(client);
        }

        using var over = await client.GetAsync("/console/demo/sign-in");

        var page = await over.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.StartsWith("text/html", over.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("console_sign_in_rate_limited", page, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), over.Headers.RetryAfter?.Delta);
        Assert.Null(over.Headers.Location);
        Assert.False(over.Headers.Contains("Set-Cookie"));
        Assert.Equal(Limit, Volatile.Read(ref flows));
    }
}
