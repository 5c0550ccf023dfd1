using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// The console while its state store (a real redis-server) is down: a page and a sign-in are refused 503
/// <c>store_unavailable</c>, as an agent's request is, on the console's own refusal page, never a 500; once Redis is back
/// the console answers again.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class ConsoleStoreOutageTests
{
    [Fact]
    public async Task Console_StoreDown_PageAndSignInAreItsRefusalPage503StoreUnavailable_ThenServedWhenItIsBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:Endpoint"] = redis.Endpoint,
        }));
        using var client = Browser(gw.Host.BaseAddress);
        var token = await gw.IssueTokenAsync("carol", "auditor");
        var session = await TokenSignInAsync(client, token);

        await redis.KillAsync();
        using var page = await client.SendAsync(Get("/console/demo/audit", session));
        using var signIn = await TokenFormPostAsync(client, token);

        foreach (var refused in new[] { page, signIn })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<code>store_unavailable</code>", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await redis.StartAsync();
        await Eventually.HoldsAsync(
            async () =>
            {
                using var again = await client.SendAsync(Get("/console/demo/audit", session));
                return (int)again.StatusCode < 500;
            },
            TimeSpan.FromSeconds(60),
            "the console did not answer again once Redis was back");
    }
}
