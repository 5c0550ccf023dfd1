using System.Diagnostics;
using System.Text.Json;
using Gateway.Proxy.Policy;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Governance;

/// <summary>
/// The decision cache (keyed by tenant, agent, intent and policy digest) and bundle hot reload,
/// observed through the running gateway.
/// </summary>
public sealed class DecisionCacheTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Evaluate_SameRequestTwice_ReturnsTheCachedToken()
    {
        var body = ReadContact();

        var first = await EvaluateAsync(body);
        var second = await EvaluateAsync(body);

        Assert.Equal(Token(first), Token(second));
        Assert.Equal(DecisionJson.IntentDigest(first), DecisionJson.IntentDigest(second));
    }

    [Fact]
    public async Task Evaluate_DifferentArguments_DoNotShareAToken()
    {
        var first = await EvaluateAsync(ReadContact());
        var second = await EvaluateAsync(ReadContact());

        Assert.NotEqual(DecisionJson.IntentDigest(first), DecisionJson.IntentDigest(second));
        Assert.NotEqual(Token(first), Token(second));
    }

    [Fact]
    public async Task Evaluate_AfterTheBundleChanges_MissesTheCache()
    {
        var body = ReadContact();
        var before = await EvaluateAsync(body);
        Assert.Equal(Token(before), Token(await EvaluateAsync(body)));

        _gw.Bundle.Rewrite(text => text.Replace("{ scope: tenant, limit: 1000, window: 1m }", "{ scope: tenant, limit: 1001, window: 1m }", StringComparison.Ordinal));
        var after = await WaitForDigestChangeAsync(body, DecisionJson.PolicyDigest(before));

        Assert.NotEqual(Token(before), Token(after));
        Assert.Equal(DecisionJson.IntentDigest(before), DecisionJson.IntentDigest(after));
        Assert.Equal(Token(after), Token(await EvaluateAsync(body)));
    }

    [Fact]
    public async Task HotReload_InvalidBundle_IsRefusedAndTheOldPolicyKeepsServing()
    {
        var body = ReadContact();
        var before = await EvaluateAsync(body);
        var digest = DecisionJson.PolicyDigest(before);

        _gw.Bundle.Rewrite(text => text.Replace("environment: dev", "environment: dev\nenvironmnet: prod", StringComparison.Ordinal));
        var errors = await _gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync();
        await Task.Delay(TimeSpan.FromSeconds(1)); // let the watcher's own reload attempt pass too

        Assert.Contains(errors, e => e.Code == "unknown_key");
        var after = await EvaluateAsync(body);
        Assert.Equal("allow", after.GetProperty("decision").GetString());
        Assert.Equal(digest, DecisionJson.PolicyDigest(after));
        Assert.Equal(Token(before), Token(after));
        var refusal = await EvaluateAsync("""{"tool":"shell.exec","args":{"cmd":"ls"}}""", "block");
        Assert.Equal(digest, DecisionJson.PolicyDigest(refusal));
    }

    private async Task<JsonElement> WaitForDigestChangeAsync(string body, string digest)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var json = await EvaluateAsync(body);
            if (DecisionJson.PolicyDigest(json) != digest)
            {
                return json;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the gateway did not reload the changed bundle within 15 s");
            await Task.Delay(100);
        }
    }

    private async Task<JsonElement> EvaluateAsync(string body, string decision = "allow")
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", body);
        return await DecisionJson.DecisionAsync(response, decision);
    }

    private static string Token(JsonElement json) => json.GetProperty("decision_token").GetString()!;

    private static string ReadContact() => """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", "c-" + Guid.NewGuid().ToString("N"), StringComparison.Ordinal);
}
