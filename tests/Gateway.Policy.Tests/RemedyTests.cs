using System.Text.Json;
using Gateway.Policy.Serialization;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Tests;

/// <summary>
/// <c>what_would_change</c> offers a remedy only where it could change the decision: each of the eleven controls' remedy
/// where the control holds the decision, and never an approval warrant for a decision a warrant cannot lift (a block).
/// </summary>
public sealed class RemedyTests
{
    private const string Warrant = "approval warrant";

    /// <summary>Per control: the agent, the request, the decision, a fragment of the remedy that must be offered.</summary>
    public static TheoryData<string, string, string, string, string> ControlCases() => new()
    {
        { "agent_registration", "ghost", """{"tool":"t.read"}""", "block", "register agent 'ghost'" },
        { "lifecycle", "suspended", """{"tool":"t.read"}""", "block", "formally reactivate agent 'suspended'" },
        { "human_owner", "noowner", """{"tool":"t.read"}""", "degrade", "assign a human_owner" },
        { "security_owner", "nosec", """{"tool":"t.read"}""", "degrade", "assign a security_owner" },
        { "atf_boundary", "l1", """{"tool":"t.write"}""", "block", "raise agent 'l1' to ATF L2" },
        { "atf_boundary_obligation", "l2", """{"tool":"t.external"}""", "require_approval", Warrant },
        { "tool_permission", "l2", """{"tool":"t.external_high"}""", "block", "grant agent 'l2' a permission for tool 't.external_high'" },
        { "tool_permission_obligation", "good", """{"tool":"t.critical_read"}""", "require_approval", Warrant },
        { "approval_gate", "good", """{"tool":"t.ungated_financial"}""", "block", "add an active approval gate" },
        { "approval_gate_obligation", "good", """{"tool":"t.pay"}""", "require_approval", "obtain an approval warrant from 2 of alice, bob (gate 'pay-gate')" },
        { "data_movement", "good", """{"tool":"t.nodegrade_pii"}""", "degrade", "document a data flow for agent 'good'" },
        { "incident_playbooks", "highrisk-noplaybooks", """{"tool":"t.read"}""", "degrade", "all three playbooks" },
        { "risks_findings", "flagged", """{"tool":"t.read"}""", "require_approval", "close or remediate critical finding(s) F-CRIT" },
        { "red_team", "highrisk-noredteam", """{"tool":"t.read"}""", "degrade", "record a passed red-team test for agent 'highrisk-noredteam'" },
    };

    /// <summary>An approval obligation beside a block: the obligation stands, its warrant remedy is not offered.</summary>
    public static TheoryData<string, string, string, string> ObligationBesideBlockCases() => new()
    {
        // ATF L2 makes an external action an approval obligation; the tool is not permitted at all (the issue's shell.exec).
        { "atf_boundary", "l2", """{"tool":"t.external_high"}""", "grant agent 'l2' a permission for tool 't.external_high'" },
        // A critical-risk tool (an obligation of tool_permission and of its gate) under a blocking rule.
        { "tool_permission", "good", """{"tool":"t.critical_read","targets":[{"kind":"table","value":"prod.users"}]}""", "change the request so that rule 'prod-tables'" },
        // A gated payment under a blocking rule.
        { "approval_gate", "good", """{"tool":"t.pay","targets":[{"kind":"table","value":"prod.ledger"}]}""", "change the request so that rule 'prod-tables'" },
        // ATF L3's financial obligation where no gate covers the action (a critical failure).
        { "atf_boundary", "good", """{"tool":"t.ungated_financial"}""", "add an active approval gate" },
    };

    [Theory]
    [MemberData(nameof(ControlCases))]
    public void WhatWouldChange_EachControl_OffersItsRemedyAndAWarrantOnlyForApproval(string control, string agent, string request, string decision, string remedy)
    {
        var result = Decide(agent, request);

        Assert.Equal(decision, WireNames.Of(result.Kind));
        Assert.Contains(result.Explanation.WhatWouldChange, r => r.Contains(remedy, StringComparison.Ordinal));
        Assert.Equal(decision == "require_approval" && control.EndsWith("_obligation", StringComparison.Ordinal), result.Explanation.WhatWouldChange.Any(r => r.Contains(Warrant, StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(ObligationBesideBlockCases))]
    public void WhatWouldChange_ObligationBesideABlock_OffersNoWarrant(string control, string agent, string request, string remedy)
    {
        var result = Decide(agent, request);

        Assert.Equal(DecisionKind.Block, result.Kind);
        Assert.Contains(result.Explanation.DecisionPath, r => WireNames.Of(r.Control) == control && r.ApprovalRequired);
        Assert.Contains(result.Explanation.WhatWouldChange, r => r.Contains(remedy, StringComparison.Ordinal));
        Assert.DoesNotContain(result.Explanation.WhatWouldChange, r => r.Contains(Warrant, StringComparison.Ordinal));
    }

    [Fact]
    public void WhatWouldChange_EveryConformanceCase_OffersAWarrantOnlyForRequireApproval()
    {
        var checkedCases = 0;
        foreach (var (file, bundleName, item) in ConformanceCorpus.DecisionCases())
        {
            var tenant = ConformanceCorpus.Bundle(Text(item, "bundle") ?? bundleName);
            var caller = new AuthenticatedCaller(Text(item, "tenant") ?? tenant.Slug, Text(item, "workspace") ?? "ws-1", Text(item, "agent") ?? "good");
            var request = JsonSerializer.Deserialize(YamlToJson.Convert(item.Children[new YamlScalarNode("request")]), PolicyJsonContext.Default.ActionRequest)!;
            var decision = DecisionEngine.Instance.Evaluate(tenant, caller, request);
            var offersWarrant = decision.Explanation.WhatWouldChange.Any(r => r.Contains(Warrant, StringComparison.Ordinal));
            Assert.True(!offersWarrant || decision.WouldBe == DecisionKind.RequireApproval, $"{file} {Text(item, "name")}: {string.Join(" | ", decision.Explanation.WhatWouldChange)}");
            checkedCases++;
        }

        Assert.True(checkedCases >= 60);
    }

    private static Decision Decide(string agent, string request)
    {
        var tenant = ConformanceCorpus.Bundle("base");
        var parsed = JsonSerializer.Deserialize(request, PolicyJsonContext.Default.ActionRequest)!;
        return DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller(tenant.Slug, "ws-1", agent), parsed);
    }

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? YamlToJson.Text(value) : null;
}
