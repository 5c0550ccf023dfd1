using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.People.Links;

// A token_exchange connector's cached exchanged token is used only under the settings it was exchanged for.
public sealed partial class PerPersonLinkTests
{
    private const string ExchangeResource = "https://tracker.example/v1";

    [Theory]
    [InlineData("scopes")]
    [InlineData("resource")]
    [InlineData("upstream")]
    public async Task InvokeTool_TokenExchangeConnectorScopesNarrowedOrResourceRepointed_CachedExchangedTokenIsNeverSent(string changed)
    {
        await using var gw = await PerPersonGateway.StartAsync(PerPersonGateway.PreRegistered.Replace(
            "scopes: [issues.read]", "scopes: [issues.read, issues.write], resource: \"" + ExchangeResource + "\", token_exchange: true", StringComparison.Ordinal));
        await using var other = await TestAuthorizationServer.StartAsync();
        gw.Server.AcceptsTokenExchange = true;
        using var before = await gw.CallAsync("erin");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var cached = Assert.Single(gw.Server.AccessTokens);

        // The connector keeps its name and its authorization server; what the exchanged token is for changes.
        await gw.ReloadAsync(changed switch
        {
            "scopes" => text => text.Replace("scopes: [issues.read, issues.write]", "scopes: [issues.read]", StringComparison.Ordinal),
            "resource" => text => text.Replace(ExchangeResource, "https://tracker.example/v2", StringComparison.Ordinal),
            _ => text => text.Replace("upstream: " + gw.Gateway.Upstream.Origin + "/crm\n", "upstream: " + other.Issuer + "/crm\n", StringComparison.Ordinal),
        });
        using var after = await gw.CallAsync("erin", "c-2");

        Assert.Equal(2, gw.Server.ExchangedSubjectTokens.Count);
        var exchanged = gw.Server.AccessTokens.Last();
        Assert.NotEqual(cached, exchanged);
        var sent = gw.Gateway.Upstream.To("/crm").Skip(1).Select(r => r.Headers["Authorization"])
            .Concat(other.Server.Received.SelectMany(r => r.Headers.Values)).ToList();
        Assert.DoesNotContain(sent, value => value.Contains(cached, StringComparison.Ordinal));
        Assert.Contains("Bearer " + exchanged, sent);
    }
}
