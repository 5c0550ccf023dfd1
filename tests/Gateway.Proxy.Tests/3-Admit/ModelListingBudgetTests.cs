using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// A model listing runs no model: it reserves nothing of a token budget and is not charged a call's ceiling, so listing
/// the models never exhausts the budget the calls need.
/// </summary>
public sealed class ModelListingBudgetTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    // A budget smaller than two default ceilings (4096 each): two calls charged one apiece could not both pass.
    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(static text => text.Replace(
        "- { agent: demo-agent, connector: openai, tokens: 50000, window: 1h }",
        "- { agent: demo-agent, connector: openai, tokens: 6000, window: 1h }",
        StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Providers_ModelListingsUnderATightBudget_AreNeverRefusedForTokens()
    {
        for (var listing = 0; listing < 3; listing++)
        {
            using var response = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Get, "/providers/openai/models"));

            Assert.NotEqual(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        using var call = await _gw.Agent.SendAsync(_gw.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}"""));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
    }
}
