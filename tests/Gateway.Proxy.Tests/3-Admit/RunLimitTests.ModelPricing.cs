using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// A run's <c>cost</c> limit prices each call at the price of the model it names (<c>pricing.models</c>), else at the
/// connector's flat price; a model neither prices is refused (403 <c>model_not_priced</c>), recorded, nothing forwarded.
/// </summary>
public sealed partial class RunLimitTests
{
    /// <summary>The example's flat pricing of its openai connector.</summary>
    private const string FlatPricing = "pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01 }";

    [Fact]
    public async Task CostLimit_ModelOtherThanThePricedOne_IsPricedAtItsOwnPrice()
    {
        // o1 costs six times the flat price: the limit holds two flat-priced reservations, not one o1 reservation.
        var flat = RunLimitBundles.ReservedCostMicros();
        var o1 = (long)Math.Ceiling(((Encoding.UTF8.GetByteCount(RunLimitBundles.ModelCall("o1")) * 0.015m) + (RunLimitBundles.MaxTokens * 0.06m)) * 1000m);
        Assert.True(o1 > 2 * flat);
        await using var gw = await GovernedGateway.StartAsync(text => RunLimitBundles.With($$"""{ agent: "*", cost: {{RunLimitBundles.Amount(2 * flat)}} }""")(text).Replace(
            FlatPricing,
            "pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01, models: { o1: { input_per_1k_tokens: 0.015, output_per_1k_tokens: 0.06 } } }",
            StringComparison.Ordinal));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using (var expensive = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall("o1")))
        {
            var problem = await ProblemAssert.IsProblemAsync(expensive, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
            Assert.Equal("cost", problem.GetProperty("limit").GetString());
            var trigger = AssertLimitExplained(problem, run, "run_limits.cost");
            Assert.Contains($"may cost up to {RunLimitBundles.Amount(o1)} USD", trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty(gw.Upstream.To("/v1/chat/completions"));

        // A model the pricing does not list takes the flat price, which the limit holds.
        using var listedNot = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall());
        await DecisionJson.DecisionAsync(listedNot, "allow");
        Assert.Single(gw.Upstream.To("/v1/chat/completions"));
    }

    [Fact]
    public async Task CostLimit_ModelNotPricedWithNoFlatPrice_IsRefused()
    {
        // The example's run limits (cost: 5.00) with a pricing that lists gpt-4o only.
        await using var gw = await GovernedGateway.StartAsync(text => text.Replace(
            FlatPricing,
            """pricing: { currency: USD, models: { "gpt-4o": { input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01 } } }""",
            StringComparison.Ordinal));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using (var native = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall("o1")))
        {
            var problem = await ProblemAssert.IsProblemAsync(native, HttpStatusCode.Forbidden, "model_not_priced");
            Assert.Contains("'o1' has no price on connector 'openai'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var provider = await gw.Agent.SendAsync(gw.Agent.CreateInRun(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"o1-pro","max_tokens":20,"messages":[{"role":"user","content":"Say hello."}]}""", run)))
        {
            await ProblemAssert.IsOpenAIErrorAsync(provider, HttpStatusCode.Forbidden, "model_not_priced");
        }

        Assert.Empty(gw.Upstream.To("/v1/chat/completions"));
        var story = await StoryAsync(gw, run);
        Assert.Equal(2, story.Count(r => r.GetProperty("decision").GetString() == "refused:model_not_priced" && r.GetProperty("tool").GetString() == "openai"));

        // The listed model is priced and carried out.
        using var listed = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall());
        await DecisionJson.DecisionAsync(listed, "allow");
        Assert.Single(gw.Upstream.To("/v1/chat/completions"));
    }
}
