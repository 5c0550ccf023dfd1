using Gateway.Policy.Authoring;
using Gateway.Policy.Bundles;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Tests.Authoring;

public sealed class AuthoringToolsTests
{
    private static IEnumerable<string> BundleFiles() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Conformance", "bundles"), "*.yaml").Append(Path.Combine(ExampleTenant.Directory, "demo.yaml"));

    [Fact]
    public void Format_EveryBundle_KeepsTheDigestAndIsIdempotent()
    {
        foreach (var file in BundleFiles())
        {
            var text = File.ReadAllText(file);
            var once = PolicyFormatter.Format(text, out var error);
            Assert.True(once is not null, $"{file}: {error}");
            var twice = PolicyFormatter.Format(once!, out _);

            Assert.Equal(once, twice);
            Assert.Equal(Digest(text), Digest(once!));
        }
    }

    [Fact]
    public void Format_ExampleBundle_IsAlreadyFormatted()
    {
        var text = ExampleTenant.Text;

        Assert.Equal(text, PolicyFormatter.Format(text, out _));
    }

    [Fact]
    public void Format_MessyFile_NormalisesIndentationAndKeepsComments()
    {
        const string messy = "tenant:   t1   # the slug\nworkspaces:\n- w\n\n\n\nrules:\n    -   id: r1   # first\n        effect: block\n        reason: r\n        match: {tools: [a,b]}\n";

        var formatted = PolicyFormatter.Format(messy, out _);

        Assert.Equal("tenant: t1 # the slug\nworkspaces:\n  - w\n\nrules:\n  - id: r1 # first\n    effect: block\n    reason: r\n    match: { tools: [a, b] }\n", formatted);
    }

    [Fact]
    public void Run_Fixtures_ReportsPassAndEveryFailedExpectation()
    {
        var set = PolicySet.Create([ExampleTenant.Load()]);
        var single = """
            name: refund needs approval
            agent: demo-agent
            request: { tool: payments.refund, args: { order: o-1, amount: 25 } }
            expect: { decision: require_approval, approvers: [alice, bob], reason_codes: [approval_gate], failing_controls: [] }
            """;
        var list = """
            fixtures:
              - name: wrong expectation
                agent: demo-agent
                request: { tool: shell.exec, args: { cmd: ls } }
                expect: { decision: allow, reason_codes: [nope] }
            """;
        var errors = new List<string>();

        var results = FixtureReader.Read("ok.yaml", single, errors).Concat(FixtureReader.Read("list.yaml", list, errors)).Select(f => FixtureEvaluator.Run(set, f)).ToList();
        var junit = JUnitReport.Write("policy", results);

        Assert.Empty(errors);
        Assert.True(results.Single(r => r.Fixture.Name == "refund needs approval").Passed);
        var failed = results.Single(r => r.Fixture.Name == "wrong expectation");
        Assert.Equal(2, failed.Failures.Count);
        Assert.Contains("decision: expected allow, got block", failed.Failures);
        Assert.Contains("failures=\"1\"", junit, StringComparison.Ordinal);
        Assert.Contains("<testcase name=\"wrong expectation\"", junit, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ShadowTenantFixtureExpectingBlock_PassesOnThePolicysDecision()
    {
        var set = PolicySet.Create([ExampleTenant.Load(t => t.Replace("simulate: false", "simulate: true", StringComparison.Ordinal))]);
        var fixture = FixtureReader.Read("shadow.yaml", """
            name: shell stays blocked in shadow
            agent: demo-agent
            request: { tool: shell.exec, args: { cmd: ls } }
            expect: { decision: block }
            """, []).Single();

        var result = FixtureEvaluator.Run(set, fixture);

        Assert.True(result.Passed, string.Join("; ", result.Failures));
        Assert.Equal(DecisionKind.AllowAndLog, result.Decision!.Kind);
    }

    [Fact]
    public void Run_FixtureWithRunRepeatsAtTheLoopLimit_IsDecidedTheLoopsDecision()
    {
        var set = PolicySet.Create([ExampleTenant.Load()]);
        var errors = new List<string>();
        var fixtures = FixtureReader.Read("loop.yaml", """
            fixtures:
              - name: at the loop limit
                agent: demo-agent
                run: { intent_repeats: 25 }
                request: { tool: crm.read_contact, args: { id: c-1 } }
                expect: { decision: require_approval, reason_codes: [run_loop_detected] }
              - name: below it
                agent: demo-agent
                run: { intent_repeats: 24 }
                request: { tool: crm.read_contact, args: { id: c-1 } }
                expect: { decision: allow }
            """, errors);

        var results = fixtures.Select(f => FixtureEvaluator.Run(set, f)).ToList();

        Assert.Empty(errors);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.True(r.Passed, string.Join("; ", r.Failures)));
    }

    [Fact]
    public void Simulate_ExportedTraffic_NamesTheChangedDecisionsAndWhy()
    {
        var candidate = PolicySet.Create([ExampleTenant.Load(t => ExampleTenant.Insert(t, "rules:", """
              - id: no-ticket-search
                match: { tools: [tickets.search] }
                effect: block
                reason: tickets_frozen

            """))]);
        string[] lines =
        [
            """{"agent":"demo-agent","decision":"degrade","seq":1,"tenant":"demo","tool":"tickets.search","workspace":"ws-demo"}""",
            """{"agent":"demo-agent","decision":"allow","seq":2,"tenant":"demo","tool":"crm.read_contact","workspace":"ws-demo"}""",
            """{"actor":"root","agent":"gateway","decision":"admin_action","seq":3,"tenant":"demo"}""",
        ];
        var errors = new List<string>();

        var report = PolicySimulation.Run(candidate, null, AuditTraffic.Read("/exports/audit.jsonl", lines, errors));

        Assert.Empty(errors);
        Assert.Equal(2, report.Cases);
        var change = Assert.Single(report.Changes);
        Assert.Equal(("demo-agent", "tickets.search", DecisionKind.Degrade, DecisionKind.Block), (change.Agent, change.Tool, change.Before, change.After));
        Assert.Contains("no-ticket-search: tickets_frozen", change.Added);
    }

    [Fact]
    public void Simulate_AgainstBaselineBundle_ReportsReasonsAddedAndRemoved()
    {
        var baseline = PolicySet.Create([ExampleTenant.Load()]);
        var candidate = PolicySet.Create([ExampleTenant.Load(t => t.Replace("    match: { action_types: [external] }\n    approvers: [alice]", "    match: { action_types: [external] }\n    approvers: [alice]\n    active: false", StringComparison.Ordinal))]);
        var fixture = new PolicyFixture { Name = "mail", Source = "inline", Agent = "demo-agent", Request = new ActionRequest { Tool = "mail.send" } };

        var report = PolicySimulation.Run(candidate, baseline, [fixture]);

        var change = Assert.Single(report.Changes);
        Assert.Equal((DecisionKind.RequireApproval, DecisionKind.Block), (change.Before, change.After));
        Assert.Contains("control:approval_gate: no_approval_gate", change.Added);
        Assert.Contains("control:approval_gate: approval_gate", change.Removed);
    }

    [Fact]
    public void Compare_ChangedRegister_ReportsChangesInTheRegistersTerms()
    {
        var before = Root(ExampleTenant.Text);
        var after = Root(ExampleTenant.Text
            .Replace("    atf_level: L2", "    atf_level: L1", StringComparison.Ordinal)
            .Replace("      - { tool: docs.search }\n", string.Empty, StringComparison.Ordinal)
            .Replace("    approvals_required: 1", "    approvals_required: 2", StringComparison.Ordinal)
            .Replace("# Demo tenant", "# Reformatted demo tenant", StringComparison.Ordinal));

        var changes = RegisterDiff.Compare(before, after);

        Assert.Contains(changes, c => c is { Section: "agents", Id: "rogue-agent", Change: "changed" } && c.Details.Contains("atf_level: \"L2\" → \"L1\""));
        Assert.Contains(changes, c => c is { Section: "agents", Id: "demo-agent" } && c.Details.Contains("permission docs.search removed"));
        Assert.Contains(changes, c => c is { Section: "approval_gates", Id: "payments-gate" } && c.Details.Contains("approvals_required: \"1\" → \"2\""));
        Assert.Equal(3, changes.Count);
    }

    [Theory]
    [InlineData("base_high_risk.yaml", 3)]
    [InlineData("base_low_risk.yaml", 2)]
    public void Convert_GaitExamplePolicy_MapsRulesAndListsWhatItCannotMap(string file, int rules)
    {
        var result = GaitImport.Convert(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Authoring", "Gait", file)));
        var tenant = $"""
            tenant: imported
            workspaces: [ws]
            approvers: [{"{"} id: sec {"}"}]
            catalog:
              - {"{"} name: tool.read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r" {"}"}
              - {"{"} name: tool.write, kind: http, action_type: write, upstream: "http://127.0.0.1:1/w" {"}"}
              - {"{"} name: tool.delete, kind: http, action_type: delete, upstream: "http://127.0.0.1:1/d" {"}"}
            {result.Yaml}
            """;

        var loaded = PolicyBundleLoader.LoadTenantText("imported.yaml", tenant, Path.GetTempPath());

        Assert.True(loaded.Tenant is not null, string.Join("\n", loaded.Errors) + "\n" + result.Yaml);
        Assert.Equal(rules, loaded.Tenant!.Register.Rules.Count(r => r.Id != "gait-fail-closed"));
        Assert.All(result.Unmapped, u => Assert.True(u.Line > 0 && u.Reason.Length > 0));
        if (file == "base_high_risk.yaml")
        {
            Assert.Equal(RuleEffect.Block, loaded.Tenant.DefaultVerdict);
            Assert.Equal(RequiredFields.Targets | RequiredFields.Provenance, loaded.Tenant.Register.Rules.Single(r => r.Id == "gait-fail-closed").Requires);
            Assert.Equal(["gait-fail-closed", "block-delete", "block-tainted-egress", "require-approval-write"], loaded.Tenant.Register.Rules.Select(r => r.Id));
            Assert.Contains(result.Unmapped, u => u.Line == 33 && u.Reason.Contains("allow rule", StringComparison.Ordinal));
            Assert.Contains(result.Unmapped, u => u.Line == 7 && u.Reason.Contains("risk class", StringComparison.Ordinal));
            Assert.Contains(result.Unmapped, u => u.Line == 13 && u.Reason.Contains("min_approvals 2", StringComparison.Ordinal));
            Assert.Contains(result.Unmapped, u => u.Line == 38 && u.Reason.Contains("delegation", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(DegradeMode.DryRun, loaded.Tenant.Register.Rules.Single(r => r.Id == "dry-run-writes").DegradeMode);
            Assert.Contains(result.Unmapped, u => u.Line == 11 && u.Reason.Contains("workspace", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Convert_GaitRuleWithEmptyLists_PlacesNoConditionAsGaitDoes()
    {
        var result = GaitImport.Convert("""
            schema_id: gait.gate.policy
            schema_version: 1.0.0
            default_verdict: allow
            rules:
              - name: block-all
                effect: block
                match:
                  tool_names: []
                  identities: []
            """);
        var tenant = $"""
            tenant: imported
            workspaces: [ws]
            catalog:
              - {"{"} name: tool.read, kind: http, action_type: read, upstream: "http://127.0.0.1:1/r" {"}"}
            {result.Yaml}
            """;

        var loaded = PolicyBundleLoader.LoadTenantText("imported.yaml", tenant, Path.GetTempPath());

        Assert.True(loaded.Tenant is not null, string.Join("\n", loaded.Errors) + "\n" + result.Yaml);
        var rule = loaded.Tenant!.Register.Rules.Single(r => r.Id == "block-all");
        Assert.Equal(RuleEffect.Block, rule.Effect);
        Assert.DoesNotContain("tools:", result.Yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("agents:", result.Yaml, StringComparison.Ordinal);
    }

    private static string Digest(string text)
        => PolicyBundleLoader.LoadTenantText("x.yaml", text, Path.Combine(AppContext.BaseDirectory, "ExampleBundle")).Tenant?.Digest
            ?? throw new InvalidOperationException("does not load");

    private static YamlNode Root(string text) => YamlJson.Parse(text, out _)!;
}
