using System.Text.Json;
using Gateway.Policy.Bundles;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tests;

/// <summary>
/// A run's limits in the policy: <c>run_limits</c> and a model connector's <c>pricing</c> as read and validated from a
/// bundle (every error collected), the limits an agent gets, the cost of tokens, the loop detection as a decision input,
/// and the explanation of a request refused for a limit.
/// </summary>
public sealed class RunLimitsTests
{
    private const string Bundle = """
        tenant: t1
        workspaces: [w]
        approvers: [{ id: bob }]
        catalog:
          - { name: read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none }
          - name: gpt
            kind: openai
            action_type: model_inference
            upstream: "http://127.0.0.1:1/v1"
            credential: none
            pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01 }
        agents:
          - { id: a, human_owner: h, security_owner: bob, atf_level: L3, playbooks: [prompt_injection, unauthorised_external_action, rogue_agent], permissions: [{ tool: read }, { tool: gpt }] }
          - { id: b, human_owner: h, security_owner: bob, atf_level: L3, playbooks: [prompt_injection, unauthorised_external_action, rogue_agent], permissions: [{ tool: read }] }
        #LIMITS#
        """;

    private const string FlatPricing = "pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01 }";

    private const string Limits = """
        run_limits:
          - { agent: "*", actions: 100, duration: 2h, loop: { repeats: 3, decision: block } }
          - agent: a
            actions: 50
            tokens: 20000
            cost: 1.50
            duration: 30m
            loop: { repeats: 4, decision: require_approval }
        """;

    [Fact]
    public void LoadTenantText_RunLimitsAndPricing_AreRead()
    {
        var tenant = Load(Limits);

        var own = tenant.RunLimitsFor("a")!;
        Assert.Equal((50L, 20000L, 1.50m, TimeSpan.FromMinutes(30)), (own.Actions, own.Tokens, own.Cost, own.Duration));
        Assert.Equal(new RunLoopRule { Repeats = 4, Decision = DecisionKind.RequireApproval }, own.Loop);
        var pricing = tenant.Register.Catalog.Single(e => e.Name == "gpt").Pricing!;
        Assert.Equal(("USD", 0.0025m, 0.01m), (pricing.Currency, pricing.InputPer1KTokens, pricing.OutputPer1KTokens));
        Assert.Equal("USD", tenant.PricingCurrency);
    }

    [Fact]
    public void RunLimitsFor_AgentWithoutItsOwnEntry_GetsTheDefaultWhole()
    {
        var tenant = Load(Limits);

        var fallback = tenant.RunLimitsFor("b")!;

        Assert.Equal("*", fallback.Agent);
        Assert.Equal((100L, (long?)null, (decimal?)null), (fallback.Actions, fallback.Tokens, fallback.Cost));
        Assert.Null(Load(string.Empty).RunLimitsFor("a"));
        Assert.Null(Load("run_limits: [{ agent: a, actions: 5 }]").RunLimitsFor("b"));
    }

    [Fact]
    public void LoadTenantText_EveryRunLimitError_IsReported()
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Bundle.Replace("#LIMITS#", """
            run_limits:
              - { agent: a, actions: 0, tokens: many, cost: 0, duration: soon, loop: { repeats: 1, decision: allow } }
              - { agent: ghost, actions: 5 }
              - { agent: b }
              - { agent: b, actions: 5, turns: 3 }
              - { loop: { decision: block } }
            """, StringComparison.Ordinal), Path.GetTempPath());

        var errors = result.Errors.Select(e => (e.Code, e.Message)).ToList();
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.ImpossibleValue && e.Message.Contains("run_limits.actions must be at least 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.WrongType && e.Message.Contains("run_limits.tokens must be an integer", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.ImpossibleValue && e.Message.Contains("run_limits.cost must be more than 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.InvalidDuration && e.Message.Contains("run_limits.duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.ImpossibleValue && e.Message.Contains("run_limits.loop.repeats must be at least 2", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.InvalidValue && e.Message.Contains("run_limits.loop.decision 'allow'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.DanglingReference && e.Message.Contains("ghost", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.MissingRequired && e.Message.Contains("the run limits of 'b' set nothing", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.DuplicateId && e.Message.Contains("'b'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.UnknownKey && e.Message.Contains("'turns'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Code == BundleErrorCodes.MissingRequired && e.Message.Contains("repeats", StringComparison.Ordinal));
        Assert.Null(result.Tenant);
    }

    [Fact]
    public void LoadTenantText_CostWithAnUnpricedModelConnector_IsRefused()
    {
        var yaml = Bundle.Replace("pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01 }", "limits: { timeout: 5s }", StringComparison.Ordinal)
            .Replace("#LIMITS#", "run_limits: [{ cost: 2 }]", StringComparison.Ordinal);

        var error = Assert.Single(PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath()).Errors);

        Assert.Equal(BundleErrorCodes.MissingRequired, error.Code);
        Assert.Contains("needs 'pricing' on every model connector of the catalog; unpriced: gpt", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pricing: { currency: usd, input_per_1k_tokens: 1, output_per_1k_tokens: 1 }", "three uppercase letters")]
    [InlineData("pricing: { currency: USD, input_per_1k_tokens: -1, output_per_1k_tokens: 1 }", "pricing.input_per_1k_tokens must be at least 0")]
    [InlineData("pricing: { currency: USD, input_per_1k_tokens: free, output_per_1k_tokens: 1 }", "pricing.input_per_1k_tokens must be a number")]
    [InlineData("pricing: { currency: USD, input_per_1k_tokens: 1 }", "output_per_1k_tokens")]
    public void LoadTenantText_BadPricing_IsRefused(string pricing, string message)
    {
        var yaml = Bundle.Replace("pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01 }", pricing, StringComparison.Ordinal).Replace("#LIMITS#", string.Empty, StringComparison.Ordinal);

        Assert.Contains(PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath()).Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void LoadTenantText_PricingOnAToolOrInAnotherCurrency_IsRefused()
    {
        var yaml = Bundle.Replace(
            """upstream: "http://127.0.0.1:1/r", credential: none }""",
            """upstream: "http://127.0.0.1:1/r", credential: none, pricing: { currency: EUR, input_per_1k_tokens: 1, output_per_1k_tokens: 1 } }""",
            StringComparison.Ordinal).Replace("#LIMITS#", string.Empty, StringComparison.Ordinal);

        var messages = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath()).Errors.Select(e => e.Message).ToList();

        Assert.Contains(messages, m => m.Contains("'pricing' applies only to model connectors", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("pricing.currency 'USD' differs from 'EUR' of 'read'", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadTenantText_PricingPerModel_EachModelIsPricedAtItsOwnElseTheFlatPrice()
    {
        var tenant = Load(Limits, """pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01, models: { o1: { input_per_1k_tokens: 0.015, output_per_1k_tokens: 0.06 }, "gpt-4o-mini": { input_per_1k_tokens: 0.00015, output_per_1k_tokens: 0.0006 } } }""");

        var pricing = tenant.Register.Catalog.Single(e => e.Name == "gpt").Pricing!;
        Assert.Equal(2, pricing.Models.Count);
        Assert.Equal(75_000, pricing.For("o1")!.CostMicros(1000, 1000));
        Assert.Equal(750, pricing.For("gpt-4o-mini")!.CostMicros(1000, 1000));
        Assert.Equal(12_500, pricing.For("gpt-4o")!.CostMicros(1000, 1000));
        Assert.Equal(12_500, pricing.For(null)!.CostMicros(1000, 1000));
        Assert.Equal(12_500, pricing.For("O1")!.CostMicros(1000, 1000));
        Assert.Empty(BundleSchemaTests.Validate(Bundle.Replace(FlatPricing, """pricing: { currency: USD, input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01, models: { o1: { input_per_1k_tokens: 0.015, output_per_1k_tokens: 0.06 } } }""", StringComparison.Ordinal).Replace("#LIMITS#", Limits, StringComparison.Ordinal)));
    }

    [Fact]
    public void LoadTenantText_PricingOfModelsOnly_PricesNoOtherModelAndCountsAsPriced()
    {
        const string ModelsOnly = """pricing: { currency: USD, models: { "gpt-4o": { input_per_1k_tokens: 0.0025, output_per_1k_tokens: 0.01 } } }""";
        var tenant = Load(Limits, ModelsOnly);

        var pricing = tenant.Register.Catalog.Single(e => e.Name == "gpt").Pricing!;
        Assert.False(pricing.HasFlatPrice);
        Assert.Equal(12_500, pricing.For("gpt-4o")!.CostMicros(1000, 1000));
        Assert.Null(pricing.For("o1"));
        Assert.Null(pricing.For(null));
        Assert.Throws<InvalidOperationException>(() => pricing.CostMicros(1, 1));
        Assert.Equal(1.50m, tenant.RunLimitsFor("a")!.Cost);
        Assert.Empty(BundleSchemaTests.Validate(Bundle.Replace(FlatPricing, ModelsOnly, StringComparison.Ordinal).Replace("#LIMITS#", Limits, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("pricing: { currency: USD, models: [o1] }", BundleErrorCodes.WrongType, "pricing.models must be a mapping")]
    [InlineData("pricing: { currency: USD, models: { o1: { input_per_1k_tokens: 1 } } }", BundleErrorCodes.MissingRequired, "output_per_1k_tokens")]
    [InlineData("pricing: { currency: USD, models: { o1: { input_per_1k_tokens: -1, output_per_1k_tokens: 1 } } }", BundleErrorCodes.ImpossibleValue, "pricing.models.o1.input_per_1k_tokens must be at least 0")]
    [InlineData("pricing: { currency: USD, models: { o1: { input_per_1k_tokens: 1, output_per_1k_tokens: 1, cached_per_1k_tokens: 0 } } }", BundleErrorCodes.UnknownKey, "cached_per_1k_tokens")]
    [InlineData("pricing: { currency: USD, models: { o1: { input_per_1k_tokens: 1, output_per_1k_tokens: 1 }, !!str o1: { input_per_1k_tokens: 0, output_per_1k_tokens: 0 } } }", BundleErrorCodes.YamlSyntax, "duplicate key 'o1' in pricing.models")]
    [InlineData("pricing: { currency: USD, input_per_1k_tokens: 1, models: { o1: { input_per_1k_tokens: 1, output_per_1k_tokens: 1 } } }", BundleErrorCodes.MissingRequired, "flat price needs both")]
    [InlineData("pricing: { currency: USD, models: {} }", BundleErrorCodes.MissingRequired, "or at least one model")]
    [InlineData("pricing: { currency: USD }", BundleErrorCodes.MissingRequired, "input_per_1k_tokens")]
    [InlineData("pricing: { currency: USD, cache_read_per_1k_tokens: 0, models: { o1: { input_per_1k_tokens: 1, output_per_1k_tokens: 1 } } }", BundleErrorCodes.MissingRequired, "flat cache prices need the flat price")]
    [InlineData("pricing: { currency: USD, models: { o1: { input_per_1k_tokens: 1, output_per_1k_tokens: 1, cache_write_1h_per_1k_tokens: -1 } } }", BundleErrorCodes.ImpossibleValue, "pricing.models.o1.cache_write_1h_per_1k_tokens must be at least 0")]
    [InlineData("pricing: { currency: USD, input_per_1k_tokens: 1, output_per_1k_tokens: 1, cache_write_per_1k_tokens: cheap }", BundleErrorCodes.WrongType, "pricing.cache_write_per_1k_tokens must be a number")]
    public void LoadTenantText_BadModelPricing_IsRefused(string pricing, string code, string message)
    {
        var yaml = Bundle.Replace(FlatPricing, pricing, StringComparison.Ordinal).Replace("#LIMITS#", string.Empty, StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Code == code && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.Null(result.Tenant);
    }

    [Fact]
    public void CostMicros_PromptCacheTokens_PricedAtTheirMultiplesOfTheInputPriceElseTheirOwn()
    {
        const string Cached = """pricing: { currency: USD, input_per_1k_tokens: 0.003, output_per_1k_tokens: 0.015, cache_write_1h_per_1k_tokens: 0.009, models: { o1: { input_per_1k_tokens: 0.01, output_per_1k_tokens: 0.04, cache_read_per_1k_tokens: 0.002 } } }""";
        var pricing = Load(Limits, Cached).Register.Catalog.Single(e => e.Name == "gpt").Pricing!;

        // 1,000 plain input, 1,000 written for 5 minutes (1.25x), 1,000 for an hour (2x), 1,000 read (0.1x): 4,000 input in all.
        var cache = new PromptCacheTokens(1000, 1000, 1000);
        Assert.Equal(3_000 + 3_750 + 6_000 + 300, new ModelPricing { Currency = "USD", InputPer1KTokens = 0.003m, OutputPer1KTokens = 0.015m }.CostMicros(4000, 0, cache));
        Assert.Equal(3_000 + 3_750 + 9_000 + 300 + 15_000, pricing.For("gpt-4o")!.CostMicros(4000, 1000, cache));
        Assert.Equal(10_000 + 12_500 + 20_000 + 2_000, pricing.For("o1")!.CostMicros(4000, 0, cache));
        Assert.Equal(40_000, pricing.For("o1")!.CostMicros(4000, 0, default));

        // Cache counts beyond the input reported are priced all the same, no input left at the input price.
        Assert.Equal(30_000, pricing.For("o1")!.CostMicros(1000, 0, new PromptCacheTokens(0, 1500, 0)));
        Assert.Empty(BundleSchemaTests.Validate(Bundle.Replace(FlatPricing, Cached, StringComparison.Ordinal).Replace("#LIMITS#", Limits, StringComparison.Ordinal)));
    }

    [Fact]
    public void CostMicros_TokensAtTheirPrices_RoundedUpToAMicroUnit()
    {
        var pricing = new ModelPricing { Currency = "USD", InputPer1KTokens = 0.0025m, OutputPer1KTokens = 0.01m };

        Assert.Equal(12_500, pricing.CostMicros(1000, 1000));
        Assert.Equal(3, pricing.CostMicros(1, 0));
        Assert.Equal(0, pricing.CostMicros(0, 0));
        Assert.Equal(1_500_000, ModelPricing.ToMicros(1.50m, MidpointRounding.ToZero));
        Assert.Equal(1.5m, ModelPricing.FromMicros(1_500_000));
    }

    [Theory]
    [InlineData(3, DecisionKind.RequireApproval)]
    [InlineData(4, DecisionKind.RequireApproval)]
    public void Decide_IntentRepeatedItsRepeats_TheLoopRulesDecisionNamesTheLoop(long repeats, DecisionKind expected)
    {
        var tenant = Load(Limits.Replace("repeats: 4, decision: require_approval", "repeats: 3, decision: require_approval", StringComparison.Ordinal));

        var decision = Decide(tenant, "a", new RunActivity("run-0123", repeats));

        Assert.Equal(expected, decision.Kind);
        var trigger = Assert.Single(decision.Explanation.RuleTriggers, t => t.ReasonCode == RunLimitExplanations.LoopDetected);
        Assert.Equal(("run_limits.loop", expected), (trigger.Rule, trigger.Effect));
        Assert.Contains($"occurred {repeats} times in run run-0123", trigger.Message, StringComparison.Ordinal);
        Assert.Contains(decision.Explanation.WhatWouldChange, r => r.Contains("do not repeat this exact action in run run-0123 (at most 2 times", StringComparison.Ordinal));
        Assert.Equal(["bob"], decision.Approvers);
    }

    [Theory]
    [InlineData("block", DecisionKind.Block)]
    [InlineData("block_and_open_incident", DecisionKind.BlockAndOpenIncident)]
    [InlineData("require_approval", DecisionKind.RequireApproval)]
    public void Decide_EachLoopDecision_IsTheDecisionAndAWarrantNeverLoosensABlock(string chosen, DecisionKind expected)
    {
        var tenant = Load(Limits.Replace("decision: block }", $"decision: {chosen} }}", StringComparison.Ordinal));

        var decision = Decide(tenant, "b", new RunActivity("run-0123", 3));

        Assert.Equal(expected, decision.Kind);
        Assert.Equal(expected == DecisionKind.RequireApproval ? DecisionKind.AllowAndLog : expected, decision.WithWarrant(decision.IntentDigest).Kind);
    }

    [Fact]
    public void Decide_FewerRepeatsOrNoRun_DecidesAsWithoutTheLoop()
    {
        var tenant = Load(Limits);

        Assert.Equal(DecisionKind.Allow, Decide(tenant, "b", new RunActivity("run-0123", 2)).Kind);
        Assert.Equal(DecisionKind.Allow, Decide(tenant, "b", null).Kind);
        Assert.Empty(Decide(tenant, "b", new RunActivity("run-0123", 2)).Explanation.RuleTriggers);
        Assert.Equal(DecisionKind.Allow, Decide(Load(string.Empty), "b", new RunActivity("run-0123", 99)).Kind);
    }

    [Fact]
    public void Decide_DelegatedChild_TheLoopOfItsRegisteredAgentApplies()
    {
        var tenant = Load(Limits);
        var caller = new AuthenticatedCaller("t1", "w", "a.child") { Delegation = new DelegationScope { Agent = "a", AtfLevel = AtfLevel.L3, DataClassCeiling = DataClass.TopSecret, Permissions = [new ToolPermission { Tool = "read", ActionTypes = [ActionType.Read] }] } };
        var request = new ActionRequest { Tool = "read", Args = JsonDocument.Parse("""{"id":"c-1"}""").RootElement };
        var descriptor = DecisionEngine.Instance.Describe(tenant, caller, request).Descriptor!;

        Assert.Equal(DecisionKind.Allow, DecisionEngine.Instance.Decide(tenant, descriptor, request, new RunActivity("run-0123", 3)).Kind);
        Assert.Equal(DecisionKind.RequireApproval, DecisionEngine.Instance.Decide(tenant, descriptor, request, new RunActivity("run-0123", 4)).Kind);
    }

    [Fact]
    public void LoopDigest_RegisteredAgentOrItsChild_IsTheAgentsIntentDigest()
    {
        var tenant = Load(Limits);
        var (request, agent, child) = AgentAndChildReading(tenant);

        // The agent's loop key is its intent digest's, as before; the child's intent digest stays its own.
        Assert.Equal(agent.IntentDigest, DecisionEngine.LoopDigest(agent, request));
        Assert.Equal(agent.IntentDigest, DecisionEngine.LoopDigest(child, request));
        Assert.NotEqual(agent.IntentDigest, child.IntentDigest);
    }

    [Fact]
    public void Decide_ChildRepeatingItsAgentsAction_TheLoopTriggerNamesTheCountedDigest()
    {
        var tenant = Load(Limits);
        var (request, agent, child) = AgentAndChildReading(tenant);

        var decision = DecisionEngine.Instance.Decide(tenant, child, request, new RunActivity("run-0123", 4));

        // The count is the agent's digest's (its own records carry it): the trigger names that one, not the child's.
        var trigger = Assert.Single(decision.Explanation.RuleTriggers, t => t.ReasonCode == RunLimitExplanations.LoopDetected);
        Assert.Contains($"intent {agent.IntentDigest}", trigger.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(child.IntentDigest, trigger.Message, StringComparison.Ordinal);
        Assert.Contains("and with the agent's delegated children", trigger.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RunLimitKind.Actions, 50, 1, "run run-0123 has taken 50 of its 50 actions (run_limits.actions of agent 'a')", "raise run_limits.actions of agent 'a' (now 50)")]
    [InlineData(RunLimitKind.Tokens, 19900, 314, "this model call reserves up to 314 tokens and run run-0123 has used 19900 of its 20000 (run_limits.tokens of agent 'a')", "(now 20000)")]
    [InlineData(RunLimitKind.Cost, 1_499_000, 12_500, "this model call may cost up to 0.0125 USD and run run-0123 has spent 1.499 USD of its 1.5 USD (run_limits.cost of agent 'a')", "(now 1.5 USD)")]
    [InlineData(RunLimitKind.Duration, 1830, 0, "run run-0123 started 30m30s ago and may act for 30m (run_limits.duration of agent 'a')", "(now 30m)")]
    public void Exceeded_EachLimit_ExplanationNamesTheLimit(RunLimitKind kind, long used, long requested, string message, string remedy)
    {
        var tenant = Load(Limits);

        var explanation = RunLimitExplanations.Exceeded(tenant, tenant.RunLimitsFor("a")!, kind, "run-0123", "abc", used, requested);

        var trigger = Assert.Single(explanation.RuleTriggers);
        Assert.Equal(("run_limits." + WireNames.Of(kind), "run_limit_exceeded", DecisionKind.Block, message), (trigger.Rule, trigger.ReasonCode, trigger.Effect, trigger.Message));
        Assert.Contains(remedy, Assert.Single(explanation.WhatWouldChange), StringComparison.Ordinal);
        Assert.StartsWith("start a new run, or raise ", explanation.WhatWouldChange[0], StringComparison.Ordinal);
        Assert.Equal(("run-0123", tenant.Digest, "abc"), (explanation.RunId, explanation.PolicyDigest, explanation.IntentDigest));
        Assert.Empty(explanation.DecisionPath);
        Assert.Contains("\"reason_code\":\"run_limit_exceeded\"", JsonSerializer.Serialize(explanation, PolicyJsonContext.Default.Explanation), StringComparison.Ordinal);
    }

    [Fact]
    public void Exceeded_TheTenantsDefault_IsNamedAsSuch()
    {
        var tenant = Load(Limits);

        var explanation = RunLimitExplanations.Exceeded(tenant, tenant.RunLimitsFor("b")!, RunLimitKind.Actions, "run-0123", null, 100, 1);

        Assert.Contains("run_limits.actions of the tenant's default (agent '*')", explanation.RuleTriggers[0].Message, StringComparison.Ordinal);
        Assert.Equal(string.Empty, explanation.IntentDigest);
    }

    /// <summary>One read (<c>read</c> of <c>c-1</c>) described for agent <c>a</c> and for its delegated child <c>dlg-child</c>.</summary>
    private static (ActionRequest Request, ActionDescriptor Agent, ActionDescriptor Child) AgentAndChildReading(TenantPolicy tenant)
    {
        var request = new ActionRequest { Tool = "read", Args = JsonDocument.Parse("""{"id":"c-1"}""").RootElement };
        var agent = DecisionEngine.Instance.Describe(tenant, new AuthenticatedCaller("t1", "w", "a"), request).Descriptor!;
        var delegation = new DelegationScope { Agent = "a", AtfLevel = AtfLevel.L3, DataClassCeiling = DataClass.TopSecret, Permissions = [new ToolPermission { Tool = "read", ActionTypes = [ActionType.Read] }] };
        var child = DecisionEngine.Instance.Describe(tenant, new AuthenticatedCaller("t1", "w", "dlg-child") { Delegation = delegation }, request).Descriptor!;
        return (request, agent, child);
    }

    private static Decision Decide(TenantPolicy tenant, string agent, RunActivity? run)
    {
        var request = new ActionRequest { Tool = "read", Args = JsonDocument.Parse("""{"id":"c-1"}""").RootElement };
        var descriptor = DecisionEngine.Instance.Describe(tenant, new AuthenticatedCaller("t1", "w", agent), request).Descriptor!;
        return DecisionEngine.Instance.Decide(tenant, descriptor, request, run);
    }

    private static TenantPolicy Load(string limits, string pricing = FlatPricing)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Bundle.Replace(FlatPricing, pricing, StringComparison.Ordinal).Replace("#LIMITS#", limits, StringComparison.Ordinal), Path.GetTempPath());
        Assert.Empty(result.Errors);
        return result.Tenant!;
    }
}
