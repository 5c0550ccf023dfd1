using Gateway.Proxy.Configuration;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.Infrastructure.DecisionTokenCalls;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// <c>Gateway:DecisionTokens:Lifetime</c>: the operator's bound on how long a token (and its record in the store)
/// lives; the agent protocol's 300 s at most, refused at start-up otherwise.
/// </summary>
public sealed class DecisionTokenLifetimeTests
{
    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:05:01")]
    [InlineData("-00:00:10")]
    public void Lifetime_OutsideTheProtocolsRange_IsRefusedAtStartUp(string lifetime)
    {
        var options = new GatewayOptions();
        options.Policy.BundlePath = "/bundle";
        options.DecisionTokens.Lifetime = TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture);

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("DecisionTokens:Lifetime", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Evaluate_WithAThirtySecondLifetime_IssuesTokensThatLiveThirtySeconds()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration["Gateway:DecisionTokens:Lifetime"] = "00:00:30");
        var token = TokenOf(await EvaluateAsync(gw.Agent, ReplicaUpstreams.ReadContact("42")));
        var executor = Bearer(gw.Host.BaseAddress, await IssueExecutorTokenAsync(gw.Admin(), "lifetime-executor"));

        var verified = await VerifyAsync(executor, token);

        AssertStatus(verified, "live");
        Assert.Equal(30, verified.GetProperty("expires_at").GetInt64() - verified.GetProperty("issued_at").GetInt64());
    }
}
