using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using KestrelUpstream = Gateway.Proxy.Tests.Infrastructure.KestrelUpstream;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// A run's <c>cost</c> limit prices each call at the price of the model it names (<c>pricing.models</c>), else at the
/// connector's flat price; a model neither prices is refused (403 <c>model_not_priced</c>), recorded, nothing forwarded;
/// Anthropic's prompt-cache writes and reads are settled at their own prices.
/// </summary>
public sealed partial class RunLimitTests
{
    /// <summary>The example's flat pricing of its openai connector.</summary>
    private const string FlatPricing = "pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01 }";

    /// <summary>The example's route degrade of its openai connector.</summary>
    private const string Route = "route: { model: gpt-4o-mini, max_tokens: 256 }";

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

    [Fact]
    public async Task CostLimit_AnthropicOneHourCacheWrite_PricedAtTheCacheWritePrice()
    {
        // 100,000 tokens written to the 1-hour cache cost twice the input price; 10 plain input and 5 output tokens their own.
        await using var provider = await KestrelUpstream.StartAsync(app => app.MapPost("/v1/messages", static (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"id":"msg_cached","type":"message","role":"assistant","content":[{"type":"text","text":"Hello."}],"usage":{"input_tokens":10,"cache_creation_input_tokens":100000,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":100000},"output_tokens":5}}""");
        }));
        await using var gw = await GovernedGateway.StartAsync(text => RunLimitBundles.With("""{ agent: "*", cost: 5.00 }""")(text).Replace(OpenAIConnector,
            $"    kind: anthropic\n    action_type: model_inference\n    risk_tier: medium\n    target_system: openai\n    upstream: {provider.Origin}/v1\n", StringComparison.Ordinal));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using (var call = await gw.Agent.SendAsync(gw.Agent.CreateInRun(HttpMethod.Post, "/providers/openai/messages", AnthropicCall(stream: false), run)))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        var store = gw.Host.Services.GetRequiredService<IStateStore>();
        var key = StoreKeys.RunUsage(DemoBundle.Tenant, DemoBundle.Agent, run, "cost");
        var spent = await Eventually.ReturnsAsync(async () => long.TryParse(await store.GetAsync(key), out var used) ? used : 0, used => used > 100_000,
            TimeSpan.FromSeconds(10), used => $"the run's cost counter stayed at {used}, never settled against the usage reported");
        Assert.Equal((long)Math.Ceiling(((10 * 0.0025m) + (100_000 * 0.0025m * 2) + (5 * 0.01m)) * 1000m), spent);
    }

    [Fact]
    public async Task CostLimit_AnthropicOneHourCacheWrite_ReservedAtTheCacheWritePrice()
    {
        // The limit holds the call at the plain input price, not with its input written to the 1-hour cache at twice that
        // price (as the provider would report it): refused before anything is forwarded, the counter never charged.
        var plain = RunLimitBundles.ReservedCostMicros();
        var cacheWritten = (long)Math.Ceiling(((Encoding.UTF8.GetByteCount(RunLimitBundles.ModelCall()) * 0.0025m * 2) + (RunLimitBundles.MaxTokens * 0.01m)) * 1000m);
        await using var provider = await KestrelUpstream.StartAsync(app => app.MapPost("/v1/messages", static (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"id":"msg_cached","type":"message","role":"assistant","content":[{"type":"text","text":"Hello."}],"usage":{"input_tokens":0,"cache_creation_input_tokens":100,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":100},"output_tokens":50}}""");
        }));
        await using var gw = await GovernedGateway.StartAsync(text => RunLimitBundles.With($$"""{ agent: "*", cost: {{RunLimitBundles.Amount(plain)}} }""")(text).Replace(OpenAIConnector,
            $"    kind: anthropic\n    action_type: model_inference\n    risk_tier: medium\n    target_system: openai\n    upstream: {provider.Origin}/v1\n", StringComparison.Ordinal));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using var call = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall());

        var problem = await ProblemAssert.IsProblemAsync(call, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal("cost", problem.GetProperty("limit").GetString());
        var trigger = AssertLimitExplained(problem, run, "run_limits.cost");
        Assert.Contains($"may cost up to {RunLimitBundles.Amount(cacheWritten)} USD", trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(provider.Received);
        var spent = await gw.Host.Services.GetRequiredService<IStateStore>().GetAsync(StoreKeys.RunUsage(DemoBundle.Tenant, DemoBundle.Agent, run, "cost"));
        Assert.True(spent is null || long.Parse(spent, System.Globalization.CultureInfo.InvariantCulture) <= plain, $"the run's cost counter is at {spent}, past its limit of {plain}");
    }

    [Fact]
    public async Task CostLimit_RouteDegradeToADearerModel_SettledAtTheRoutedModelsPrice()
    {
        // The call degrades (a pii class with no documented flow) to a route that runs o1, six times the flat price of the
        // gpt-4o the agent named; the provider reports 5 input and 7 output tokens: 83 micro-units flat, 495 at o1's price.
        await using var gw = await GovernedGateway.StartAsync(RoutedToO1(RunLimitBundles.DefaultEntry));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using (var call = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall()))
        {
            await DecisionJson.DecisionAsync(call, "degrade");
        }

        using (var sent = JsonDocument.Parse(Assert.Single(gw.Upstream.To("/v1/chat/completions")).Body))
        {
            Assert.Equal("o1", sent.RootElement.GetProperty("model").GetString());
        }

        var store = gw.Host.Services.GetRequiredService<IStateStore>();
        var key = StoreKeys.RunUsage(DemoBundle.Tenant, DemoBundle.Agent, run, "cost");
        await Eventually.ReturnsAsync(async () => long.TryParse(await store.GetAsync(key), out var spent) ? spent : 0, spent => spent == 495,
            TimeSpan.FromSeconds(10), spent => $"the run's cost counter settled at {spent} micro-units, not the 495 the routed model's price makes");
    }

    [Fact]
    public async Task CostLimit_RouteDegradeToADearerModel_ReservedAtTheRoutedModelsPrice()
    {
        // The limit holds two reservations at the flat price of the gpt-4o the agent names, not one at the price of the o1
        // its route runs: refused before anything is forwarded.
        var flat = RunLimitBundles.ReservedCostMicros();
        await using var gw = await GovernedGateway.StartAsync(RoutedToO1($$"""  - { agent: "*", cost: {{RunLimitBundles.Amount(2 * flat)}} }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using var call = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall());

        var problem = await ProblemAssert.IsProblemAsync(call, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal("cost", problem.GetProperty("limit").GetString());
        Assert.Empty(gw.Upstream.To("/v1/chat/completions"));
    }

    // The example with the openai connector degraded (a pii class with no documented flow) to a route running o1, priced
    // at six times its flat price, and the run limits' default entry replaced by <paramref name="limits"/>.
    private static Func<string, string> RoutedToO1(string limits) => text =>
    {
        Assert.Contains(Route, text, StringComparison.Ordinal);
        return text
            .Replace(RunLimitBundles.DefaultEntry, limits, StringComparison.Ordinal)
            .Replace("target_system: openai\n", "target_system: openai\n    data_classes: [pii]\n", StringComparison.Ordinal)
            .Replace(Route, "route: { model: o1, max_tokens: 256 }", StringComparison.Ordinal)
            .Replace(FlatPricing, FlatPricing[..^2] + ", models: { o1: { input_per_1k_tokens: 0.015, output_per_1k_tokens: 0.06 } } }", StringComparison.Ordinal);
    };
}
