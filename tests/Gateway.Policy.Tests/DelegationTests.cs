using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>
/// Delegation in the policy library: the tenant's settings as read from a bundle, a grant checked against its parent
/// (every widening collected), and a child decided against its agent's entry narrowed by the grant.
/// </summary>
public sealed class DelegationTests
{
    private const string Bundle = """
        tenant: t1
        workspaces: [w]
        #SETTINGS#
        catalog:
          - { name: read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r", credential: none, data_classes: [internal] }
          - { name: write, kind: http, action_type: write, upstream: "http://127.0.0.1:1/w", credential: none }
        agents:
          - id: a
            human_owner: h@example.com
            security_owner: s
            atf_level: L3
            playbooks: [prompt_injection, unauthorised_external_action, rogue_agent]
            secret: env:A
            permissions: [{ tool: read }, { tool: write }]
          - { id: deployer, human_owner: h@example.com, security_owner: s, atf_level: L3, secret: env:D, permissions: [{ tool: read }] }
        rules:
          - { id: no-write-for-a, match: { agents: [a], tools: [write] }, effect: block, reason: frozen }
        """;

    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void LoadTenantText_DelegationSettings_AreReadAndDefaulted()
    {
        Assert.Equal(DelegationSettings.Default, Load(string.Empty).Register.Delegation);
        var settings = Load("delegation: { max_ttl: 5m, max_depth: 3 }").Register.Delegation;

        Assert.Equal(TimeSpan.FromMinutes(5), settings.MaxTtl);
        Assert.Equal(3, settings.MaxDepth);
        Assert.Equal(60, DelegationSettings.Default.IssuanceLimit);
        Assert.Equal(TimeSpan.FromMinutes(1), DelegationSettings.Default.IssuanceWindow);
    }

    [Fact]
    public void LoadTenantText_IssuanceLimit_IsRead()
    {
        var settings = Load("delegation: { issuance_limit: 10, issuance_window: 30s }").Register.Delegation;

        Assert.Equal(10, settings.IssuanceLimit);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.IssuanceWindow);
    }

    [Theory]
    [InlineData("delegation: { max_ttl: 48h }", "delegation.max_ttl must be between")]
    [InlineData("delegation: { max_depth: 9 }", "delegation.max_depth must be at most 8")]
    [InlineData("delegation: { max_depth: -1 }", "delegation.max_depth must be at least 0")]
    [InlineData("delegation: { depth: 1 }", "depth")]
    [InlineData("delegation: { issuance_limit: 0 }", "delegation.issuance_limit must be at least 1")]
    [InlineData("delegation: { issuance_limit: 1000001 }", "delegation.issuance_limit must be at most 1000000")]
    [InlineData("delegation: { issuance_window: 0s }", "delegation.issuance_window")]
    [InlineData("delegation: { issuance_window: 48h }", "delegation.issuance_window must be between")]
    public void LoadTenantText_BadDelegationSettings_AreRefused(string line, string message)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Bundle.Replace("#SETTINGS#", line, StringComparison.Ordinal), Path.GetTempPath());

        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_NarrowingGrant_SettlesScopeAndDefaults()
    {
        var tenant = Load(string.Empty);
        var parent = DelegationAuthority.Of(tenant, "a")!;

        var result = DelegationCheck.Evaluate(parent, Grant(new DelegationToolRequest("read", null)), tenant.Register.Delegation, Now);

        Assert.Empty(result.Widenings);
        Assert.Equal(AtfLevel.L3, result.Scope!.AtfLevel);
        Assert.Equal(DataClass.TopSecret, result.Scope.DataClassCeiling);
        Assert.Equal([ActionType.Read], result.Scope.Permissions.Single().ActionTypes);
        Assert.Equal(Now + DelegationSettings.DefaultMaxTtl, result.ExpiresAt);
        Assert.Equal(1, result.Depth);
    }

    [Fact]
    public void Evaluate_EveryWidening_IsCollected()
    {
        var tenant = Load(string.Empty);
        var parent = DelegationAuthority.Of(tenant, "a")!;
        var grant = Grant(new DelegationToolRequest("other", null), new DelegationToolRequest("read", [ActionType.Delete])) with
        {
            AtfLevel = AtfLevel.L4,
            Ttl = TimeSpan.FromHours(1),
            MayDelegate = true,
        };

        var result = DelegationCheck.Evaluate(parent, grant, tenant.Register.Delegation, Now);

        Assert.Null(result.Scope);
        Assert.Equal(["tool", "action_type", "atf_level", "ttl", "depth"], result.Widenings.Select(w => w.Kind));
    }

    [Fact]
    public void Evaluate_ChildParent_CannotOutliveNorWidenItsCeiling()
    {
        var tenant = Load("delegation: { max_depth: 2 }");
        var scope = new DelegationScope { Agent = "a", Permissions = [new ToolPermission { Tool = "read", ActionTypes = [ActionType.Read] }], AtfLevel = AtfLevel.L2, DataClassCeiling = DataClass.Internal };
        var parent = DelegationAuthority.Of(tenant, "dlg-child", scope, Now.AddMinutes(2), depth: 1, mayDelegate: true)!;

        var result = DelegationCheck.Evaluate(parent, Grant(new DelegationToolRequest("read", null)) with { DataClassCeiling = DataClass.Pii, Ttl = TimeSpan.FromMinutes(5) }, tenant.Register.Delegation, Now);

        Assert.Equal(["data_class", "ttl"], result.Widenings.Select(w => w.Kind));
        Assert.Contains("would outlive the parent", result.Widenings[1].Detail, StringComparison.Ordinal);
        var defaulted = DelegationCheck.Evaluate(parent, Grant(new DelegationToolRequest("read", null)), tenant.Register.Delegation, Now);
        Assert.Equal(Now.AddMinutes(2), defaulted.ExpiresAt);
        Assert.Equal(2, defaulted.Depth);
    }

    [Fact]
    public void Decide_Child_IsNarrowedAndBoundByRulesNamingItsAgent()
    {
        var tenant = Load(string.Empty);
        var scope = new DelegationScope { Agent = "a", Permissions = [new ToolPermission { Tool = "read", ActionTypes = [ActionType.Read] }, new ToolPermission { Tool = "write", ActionTypes = [ActionType.Write] }], AtfLevel = AtfLevel.L3, DataClassCeiling = DataClass.Public };
        var caller = new AuthenticatedCaller("t1", "w", "dlg-child") { Delegation = scope };

        var beyondCeiling = DecisionEngine.Instance.Evaluate(tenant, caller, new ActionRequest { Tool = "read" });
        var ruled = DecisionEngine.Instance.Evaluate(tenant, caller, new ActionRequest { Tool = "write" });
        var withinPublic = DecisionEngine.Instance.Evaluate(tenant, caller with { Delegation = scope with { DataClassCeiling = DataClass.Internal } }, new ActionRequest { Tool = "read" });

        Assert.Equal(DecisionKind.Block, beyondCeiling.Kind);
        Assert.Contains(beyondCeiling.Explanation.RuleTriggers, t => t.ReasonCode == "beyond_delegation_ceiling");
        Assert.Contains(ruled.Explanation.RuleTriggers, t => t.Rule == "no-write-for-a");
        Assert.Equal(DecisionKind.Allow, withinPublic.Kind);
        Assert.Equal("dlg-child", withinPublic.Descriptor!.Agent);
    }

    /// <summary>An allow rule's agent glob that matches the child's own id but not its agent lifts nothing for the child.</summary>
    [Fact]
    public void Decide_AllowRuleAgentGlobMatchingOnlyTheChildId_DoesNotLiftDefaultVerdict()
    {
        var tenant = Load("default_verdict: block", """
              - { id: known, match: { agents: ["d*"], tools: [read] }, effect: allow, reason: known }
            """);

        var parent = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = "read" });
        var child = DecisionEngine.Instance.Evaluate(tenant, ReadingChild(), new ActionRequest { Tool = "read" });

        Assert.Equal(DecisionKind.Allow, DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "deployer"), new ActionRequest { Tool = "read" }).Kind);
        Assert.Equal(DecisionKind.Block, parent.Kind);
        Assert.Equal(DecisionKind.Block, child.Kind);
        Assert.Contains(child.Explanation.RuleTriggers, t => t.Rule == "default_verdict");
        Assert.DoesNotContain(child.Explanation.RuleTriggers, t => t.Rule == "known");
    }

    /// <summary>A block rule excepting agents with <c>not</c> still blocks a child whose own id, not its agent, is excepted.</summary>
    [Fact]
    public void Decide_BlockRuleNotAgentsGlobMatchingOnlyTheChildId_StillBlocksTheChild()
    {
        var tenant = Load(string.Empty, """
              - { id: deployers-only, match: { tools: [read], not: { agents: ["d*"] } }, effect: block, reason: not_a_deployer }
            """);

        var parent = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "a"), new ActionRequest { Tool = "read" });
        var child = DecisionEngine.Instance.Evaluate(tenant, ReadingChild(), new ActionRequest { Tool = "read" });

        Assert.Equal(DecisionKind.Allow, DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("t1", "w", "deployer"), new ActionRequest { Tool = "read" }).Kind);
        Assert.Equal(DecisionKind.Block, parent.Kind);
        Assert.Equal(DecisionKind.Block, child.Kind);
        Assert.Contains(child.Explanation.RuleTriggers, t => t.Rule == "deployers-only");
    }

    /// <summary>An agent glob only a minted child id could match would never fire (globs read the chain's root): refused.</summary>
    [Theory]
    [InlineData("{ id: r, match: { agents: [\"dlg-*\"], tools: [write] }, effect: block, reason: r }")]
    [InlineData("{ id: r, match: { tools: [write], not: { agents: [\"dl?-*\"] } }, effect: block, reason: r }")]
    [InlineData("{ id: r, match: { any: [{ agents: [\"dlg*\"] }] }, effect: block, reason: r }")]
    [InlineData("{ id: r, match: { all: [{ agents: [\"d*\"] }] }, effect: block, reason: r }")]
    public void Load_RuleAgentsGlobOnlyMintedChildIdsCouldMatch_IsRefused(string rule)
    {
        // No registered agent's id starts with d here.
        var text = Bundle.Replace("#SETTINGS#", string.Empty, StringComparison.Ordinal).Replace("id: deployer", "id: xdeployer", StringComparison.Ordinal);

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", text + "\n  - " + rule, Path.GetTempPath());

        var error = Assert.Single(result.Errors);
        Assert.Equal(BundleErrorCodes.DanglingReference, error.Code);
        Assert.Contains("never a child's id", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Agent globs that match a registered agent, or that no minted child id could match, still load.</summary>
    [Theory]
    [InlineData("d*")]
    [InlineData("nobody-*")]
    [InlineData("*")]
    public void Load_RuleAgentsGlobARegisteredAgentOrNoChildCouldMatch_Loads(string glob) =>
        Load(string.Empty, $"  - {{ id: r, match: {{ agents: [\"{glob}\"], tools: [write] }}, effect: block, reason: r }}");

    [Fact]
    public void ActorChain_From_RefusesAChainWithoutOneAgent()
    {
        var chain = ActorChain.ForPerson("ada", "a").Delegate(new ActorLink(ActorKind.Delegate, "dlg-1"));

        Assert.Equal("a", chain.Agent);
        Assert.Equal(1, chain.Depth);
        Assert.Equal("person:ada → agent:a → delegate:dlg-1", chain.ToString());
        Assert.Throws<FormatException>(() => ActorChain.From([new ActorLink(ActorKind.Delegate, "dlg-1")]));
        Assert.Throws<FormatException>(() => ActorChain.From([new ActorLink(ActorKind.Agent, "a"), new ActorLink(ActorKind.Agent, "b")]));
    }

    private static DelegationGrantRequest Grant(params DelegationToolRequest[] tools) => new() { Name = "child", Tools = tools };

    // A child of agent 'a' granted its read (internal data), with an id as the gateway mints them (dlg- and 26 base32).
    private static AuthenticatedCaller ReadingChild() => new("t1", "w", "dlg-01jdx4m7qz8w2k5v9c3n6b0h1t")
    {
        Delegation = new DelegationScope { Agent = "a", Permissions = [new ToolPermission { Tool = "read", ActionTypes = [ActionType.Read] }], AtfLevel = AtfLevel.L3, DataClassCeiling = DataClass.Internal },
    };

    private static TenantPolicy Load(string line, string rules = "")
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", Bundle.Replace("#SETTINGS#", line, StringComparison.Ordinal) + "\n" + rules, Path.GetTempPath());
        Assert.Empty(result.Errors);
        return result.Tenant!;
    }
}
