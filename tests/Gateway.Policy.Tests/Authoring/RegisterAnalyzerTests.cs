using Gateway.Policy.Authoring;

namespace Gateway.Policy.Tests.Authoring;

public sealed class RegisterAnalyzerTests
{
    private static readonly AnalysisQuery JuniorRestrictedAllow = new()
    {
        Name = "junior-restricted-allow",
        MaxLevel = AtfLevel.L2,
        DataClass = DataClass.Restricted,
        Decisions = [DecisionKind.Allow, DecisionKind.AllowAndLog],
        Expect = QueryExpectation.None,
    };

    internal static readonly AnalysisQuery JuniorFinancialAllow = new()
    {
        Name = "junior-financial-allow",
        MaxLevel = AtfLevel.L2,
        ActionTypes = [ActionType.Financial],
        Decisions = [DecisionKind.Allow, DecisionKind.AllowAndLog],
        Expect = QueryExpectation.None,
    };

    private static string Planted(string text) =>
        ExampleTenant.Insert(
            ExampleTenant.Insert(text, "agents:", """
                  - id: junior-agent
                    human_owner: dana@example.com
                    security_owner: sec-team
                    atf_level: L2
                    permissions: [{ tool: tickets.search }, { tool: payments.refund }]

                """),
            "data_flows:",
            """
              - { agent: "*", tool: tickets.search, data_classes: [pii, restricted] }

            """);

    [Fact]
    public void Analyze_ExampleBundle_ProvesNoAgentAtL2OrBelowGetsAllowOnAFinancialAction()
    {
        var report = new RegisterAnalyzer(ExampleTenant.Load()).Analyze([JuniorFinancialAllow]);

        Assert.True(report.Exhaustive);
        Assert.Empty(report.Answers[0].Witnesses);
        Assert.True(report.Answers[0].Passed);
        Assert.True(report.Points > report.Cells);
    }

    [Fact]
    public void Analyze_PlantedRestrictedFlow_FindsCounterexampleThenProvesAbsenceAfterFix()
    {
        var planted = ExampleTenant.Load(Planted);
        var fixedText = Planted(ExampleTenant.Text).Replace("""  - { agent: "*", tool: tickets.search, data_classes: [pii, restricted] }""", string.Empty, StringComparison.Ordinal);
        var fixedTenant = ExampleTenant.Load(_ => fixedText);

        var found = new RegisterAnalyzer(planted, [JuniorRestrictedAllow]).Analyze([JuniorRestrictedAllow]);
        var proven = new RegisterAnalyzer(fixedTenant, [JuniorRestrictedAllow]).Analyze([JuniorRestrictedAllow]);

        var witness = Assert.Single(found.Answers[0].Witnesses);
        Assert.False(found.Answers[0].Passed);
        Assert.Equal(("junior-agent", "tickets.search"), (witness.Agent, witness.Tool));
        Assert.Contains(DataClass.Restricted, witness.Request.DataClasses!);
        var replay = DecisionEngine.Instance.Evaluate(planted, new AuthenticatedCaller("demo", "ws-demo", "junior-agent"), witness.Request);
        Assert.Equal(DecisionKind.Allow, replay.Kind);
        Assert.True(proven.Exhaustive);
        Assert.Empty(proven.Answers[0].Witnesses);
        Assert.True(proven.Answers[0].Passed);
    }

    [Fact]
    public void Analyze_ToolReachability_NamesAgentsAndDecisions()
    {
        var query = new AnalysisQuery { Tools = ["mail.send"] };

        var report = new RegisterAnalyzer(ExampleTenant.Load()).Analyze([query]);

        var decisions = report.Answers[0].Witnesses.Where(w => w.Agent == "demo-agent").Select(w => w.Decision.Kind).ToHashSet();
        Assert.Equal([DecisionKind.RequireApproval, DecisionKind.Block], decisions.Order());
        Assert.All(report.Answers[0].Witnesses.Where(w => w.Agent == "rogue-agent"), w => Assert.Equal(DecisionKind.BlockAndOpenIncident, w.Decision.Kind));
    }

    [Fact]
    public void Analyze_TargetKindQuery_EvaluatesRequestsThatDeclareTheKind()
    {
        var tenant = ExampleTenant.Load(t => ExampleTenant.Insert(t, "rules:", """
              - id: no-prod-buckets
                match: { targets: [{ kind: bucket, value: "prod-*" }] }
                effect: block
                reason: prod_bucket

            """));
        var query = new AnalysisQuery { Agents = ["demo-agent"], Tools = ["crm.read_contact"], TargetKind = TargetKind.Bucket };

        var report = new RegisterAnalyzer(tenant).Analyze([query]);

        Assert.Contains(report.Answers[0].Witnesses, w => w.Decision.Kind == DecisionKind.Block && w.Request.Targets!.Any(t => t.Value.StartsWith("prod-", StringComparison.Ordinal)));
        Assert.All(report.Answers[0].Witnesses, w => Assert.Contains(w.Request.Targets!, t => t.Kind == TargetKind.Bucket));
    }

    [Fact]
    public void Analyze_RuleThatCannotMatch_IsReportedAsNeverFiringAndShadowedRuleNamesItsShadow()
    {
        var tenant = ExampleTenant.Load(t => ExampleTenant.Insert(t, "rules:", """
              - id: ghost-rule
                match: { agents: [nobody-*] }
                effect: block
                reason: ghost
              - id: all-mail-blocked
                match: { tools: [mail.send] }
                effect: block
                reason: no_mail

            """));

        var report = new RegisterAnalyzer(tenant).Analyze([]);

        Assert.Equal(["ghost-rule"], report.NeverFiring);
        Assert.Contains(new RuleShadow("no-mail-to-personal-domains", "all-mail-blocked"), report.Shadowed);
        Assert.DoesNotContain(report.Shadowed, s => s.Rule == "all-mail-blocked");
    }

    [Fact]
    public void Analyze_WithBaseline_ListsEveryChangedCell()
    {
        var baseline = ExampleTenant.Load();
        var candidate = ExampleTenant.Load(t => t.Replace("      - { tool: docs.search }\n", string.Empty, StringComparison.Ordinal));

        var report = new RegisterAnalyzer(candidate).Analyze([], baseline);

        var change = Assert.Single(report.Changes!);
        Assert.Equal(("demo-agent", "docs.search", DecisionKind.Allow, DecisionKind.Block), (change.Agent, change.Tool, change.BaselinePlain, change.CandidatePlain));
    }
}
