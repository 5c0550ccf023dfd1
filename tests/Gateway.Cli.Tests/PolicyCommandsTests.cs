using System.Text.Json;

namespace Gateway.Cli.Tests;

public sealed partial class PolicyCommandsTests
{
    [Fact]
    public async Task Validate_ExampleBundle_Exits0WithTheDigest()
    {
        var result = await CliRun.RunAsync("policy", "validate", CliRun.ExampleBundle, "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Matches("^[0-9a-f]{64}$", json.RootElement.GetProperty("tenants")[0].GetProperty("policy_digest").GetString());
    }

    [Fact]
    public async Task Validate_InvalidBundle_Exits6WithFileLineAndColumn()
    {
        var dir = CliRun.CopyBundle(t => t.Replace("environment: dev", "environment: dev\ncolour: blue", StringComparison.Ordinal));

        var result = await CliRun.RunAsync("policy", "validate", dir);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("demo.yaml:4:1: unknown_key", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fmt_CheckOnUnformattedFile_Exits2AndWriteFixesIt()
    {
        var dir = CliRun.CopyBundle(t => t.Replace("tenant: demo", "tenant:    demo", StringComparison.Ordinal));

        var check = await CliRun.RunAsync("policy", "fmt", dir, "--check");
        var write = await CliRun.RunAsync("policy", "fmt", dir, "--write");
        var again = await CliRun.RunAsync("policy", "fmt", dir, "--check");

        Assert.Equal(2, check.ExitCode);
        Assert.Contains("not formatted", check.Out, StringComparison.Ordinal);
        Assert.Equal(0, write.ExitCode);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(CliRun.ExampleBundle, "demo.yaml")), File.ReadAllText(Path.Combine(dir, "demo.yaml")));
    }

    [Fact]
    public async Task Fmt_ExampleBundle_IsFormatted()
    {
        var result = await CliRun.RunAsync("policy", "fmt", CliRun.ExampleBundle, "--check");

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Test_ExampleFixtures_PassAndWriteJUnit()
    {
        var junit = Path.GetTempFileName();

        var result = await CliRun.RunAsync("policy", "test", CliRun.ExampleBundle, Path.Combine(CliRun.ExampleCi, "fixtures"), "--junit", junit);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("11 passed, 0 failed", result.Out, StringComparison.Ordinal);
        Assert.Contains("<testsuite name=\"gatewayctl policy test\" tests=\"11\" failures=\"0\"", File.ReadAllText(junit), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_RegressedPolicy_Exits5NamingTheFixture()
    {
        var dir = CliRun.CopyBundle(t => t.Replace("      args: [{ path: $.to, glob: \"*@gmail.com\" }]", "      args: [{ path: $.to, glob: \"*@gmail.example\" }]", StringComparison.Ordinal));

        var result = await CliRun.RunAsync("policy", "test", dir, Path.Combine(CliRun.ExampleCi, "fixtures"), "--json");

        Assert.Equal(5, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var failed = json.RootElement.GetProperty("fixtures").EnumerateArray().Where(f => !f.GetProperty("passed").GetBoolean()).Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Equal(["personal mailbox is blocked in any case", "personal mailbox in a recipient list is blocked"], failed);
    }

    [Fact]
    public async Task Test_OneFixtureFails_SaysEachFailureOnce()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(dir, "one.yaml"), """
            fixtures:
              - name: shell with a reason the bundle does not give
                agent: demo-agent
                request: { tool: shell.exec, args: { cmd: ls } }
                expect: { decision: block, reason_codes: [no_such_reason] }
            """);

        var plain = await CliRun.RunAsync("policy", "test", CliRun.ExampleBundle, dir);
        var json = await CliRun.RunAsync("policy", "test", CliRun.ExampleBundle, dir, "--json");

        Assert.Equal(5, plain.ExitCode);
        var failure = "reason_codes: 'no_such_reason' not among";
        Assert.Equal(1, Occurrences(plain.Out, failure));
        Assert.DoesNotContain("top failure:", plain.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal(1, Occurrences(document.RootElement.GetProperty("top_failure_reason").GetString()!, failure));
    }

    [Fact]
    public async Task Test_DecisionChanged_TopFailureSaysTheChangeOnce()
    {
        var dir = CliRun.CopyBundle(t => t.Replace("      args: [{ path: $.to, glob: \"*@gmail.com\" }]", "      args: [{ path: $.to, glob: \"*@gmail.example\" }]", StringComparison.Ordinal));

        var result = await CliRun.RunAsync("policy", "test", dir, Path.Combine(CliRun.ExampleCi, "fixtures"));

        Assert.Equal(5, result.ExitCode);
        var top = result.Out.Split('\n').Single(static line => line.StartsWith("top failure: ", StringComparison.Ordinal));
        Assert.Equal(1, Occurrences(top, "decision "));
        Assert.DoesNotContain("decision: expected", top, StringComparison.Ordinal);
    }

    private static int Occurrences(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    [Fact]
    public async Task Test_MalformedFixture_Exits6()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        File.WriteAllText(Path.Combine(dir, "bad.yaml"), "agent: demo-agent\nrequest: { tool: crm.read_contact }\nexpect: { decision: maybe }\n");

        var result = await CliRun.RunAsync("policy", "test", CliRun.ExampleBundle, dir);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("'maybe' is not a valid decision", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_ExportedTraffic_NamesChangedDecisionsAndFailOnChangeExits5()
    {
        var candidate = CliRun.CopyBundle(t => t.Replace("      - { tool: tickets.search }\n", string.Empty, StringComparison.Ordinal));
        var traffic = Path.GetTempFileName();
        File.WriteAllLines(traffic,
        [
            """{"agent":"demo-agent","decision":"degrade","seq":1,"tenant":"demo","tool":"tickets.search","workspace":"ws-demo"}""",
            """{"agent":"demo-agent","decision":"allow","seq":2,"tenant":"demo","tool":"crm.read_contact","workspace":"ws-demo"}""",
        ]);

        var report = await CliRun.RunAsync("policy", "simulate", "--policy", candidate, "--traffic", traffic);
        var gated = await CliRun.RunAsync("policy", "simulate", "--policy", candidate, "--traffic", traffic, "--fail-on-change", "--json");

        Assert.Equal(0, report.ExitCode);
        Assert.Contains("demo-agent tickets.search  degrade → block", report.Out, StringComparison.Ordinal);
        Assert.Contains("+ control:tool_permission: tool_not_permitted", report.Out, StringComparison.Ordinal);
        Assert.Contains("2 cases, 1 decisions would change", report.Out, StringComparison.Ordinal);
        Assert.Equal(5, gated.ExitCode);
        using var json = JsonDocument.Parse(gated.Out);
        Assert.Equal(1, json.RootElement.GetProperty("changed").GetInt32());
    }

    [Fact]
    public async Task Simulate_AgainstBaselineOverFixtures_ReportsNoChangeForTheSameBundle()
    {
        var result = await CliRun.RunAsync("policy", "simulate", "--policy", CliRun.ExampleBundle, "--baseline", CliRun.ExampleBundle, "--fixtures", Path.Combine(CliRun.ExampleCi, "fixtures"), "--fail-on-change");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("11 cases, 0 decisions would change", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_ApproversShrink_CountsAChangedDecisionLikeTestAndDiff()
    {
        var candidate = CliRun.CopyBundle(t => t.Replace("    approvers: [alice, bob]\n", "    approvers: [alice]\n", StringComparison.Ordinal));
        var fixtures = Path.Combine(CliRun.ExampleCi, "fixtures");

        var simulate = await CliRun.RunAsync("policy", "simulate", "--policy", candidate, "--baseline", CliRun.ExampleBundle, "--fixtures", fixtures, "--fail-on-change", "--json");
        var test = await CliRun.RunAsync("policy", "test", candidate, fixtures);
        var diff = await CliRun.RunAsync("policy", "diff", CliRun.ExampleBundle, candidate);

        Assert.Equal(5, simulate.ExitCode);
        using var json = JsonDocument.Parse(simulate.Out);
        var change = Assert.Single(json.RootElement.GetProperty("changes").EnumerateArray());
        Assert.Equal("refund needs alice or bob", change.GetProperty("case").GetString());
        Assert.Equal("require_approval", change.GetProperty("before").GetString());
        Assert.Equal("require_approval", change.GetProperty("after").GetString());
        Assert.Equal(["approvers: [alice, bob] → [alice]"], change.GetProperty("terms").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(5, test.ExitCode);
        Assert.Contains("payments-gate", diff.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_ShadowTenantRuleTightensRequireApprovalToBlock_CountsAChange()
    {
        var baseline = CliRun.CopyBundle(t => t.Replace("simulate: false", "simulate: true", StringComparison.Ordinal));
        var candidate = CliRun.CopyBundle(t => t.Replace("simulate: false", "simulate: true", StringComparison.Ordinal)
            .Replace("rules:\n", "rules:\n  - id: no-refunds\n    match: { tools: [payments.refund] }\n    effect: block\n    reason: refunds_frozen\n", StringComparison.Ordinal));
        var fixtures = Path.Combine(CliRun.ExampleCi, "fixtures");

        var result = await CliRun.RunAsync("policy", "simulate", "--policy", candidate, "--baseline", baseline, "--fixtures", fixtures, "--fail-on-change");

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("demo-agent payments.refund  require_approval (enforced allow_and_log) → block (enforced allow_and_log)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_TrafficOfADelegatedChild_IsDecidedAsItsRegisteredAgent()
    {
        var traffic = Path.GetTempFileName();
        File.WriteAllLines(traffic,
        [
            """{"actor_chain":[{"kind":"agent","id":"demo-agent"},{"kind":"delegate","id":"demo-agent.child-7"}],"agent":"demo-agent.child-7","decision":"allow","seq":1,"tenant":"demo","tool":"crm.read_contact","workspace":"ws-demo"}""",
        ]);

        var result = await CliRun.RunAsync("policy", "simulate", "--policy", CliRun.ExampleBundle, "--traffic", traffic, "--fail-on-change");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("1 cases, 0 decisions would change", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_TrafficActingForAPerson_MatchesPersonRules()
    {
        var candidate = CliRun.CopyBundle(t => t.Replace("rules:\n",
            "rules:\n  - id: no-contacts-for-mallory\n    match: { tools: [crm.read_contact], person: [mallory@example.com] }\n    effect: block\n    reason: person_not_cleared\n"
            + "  - id: contractors-no-search\n    match: { tools: [tickets.search], person_groups: [contractors] }\n    effect: block\n    reason: contractor\n", StringComparison.Ordinal));
        var traffic = Path.GetTempFileName();
        File.WriteAllLines(traffic,
        [
            """{"agent":"demo-agent","decision":"allow","person":"mallory@example.com","person_issuer":"https://idp.example.com","seq":1,"tenant":"demo","tool":"crm.read_contact","workspace":"ws-demo"}""",
            """{"agent":"demo-agent","decision":"allow","person":"alice@example.com","person_issuer":"https://idp.example.com","seq":2,"tenant":"demo","tool":"crm.read_contact","workspace":"ws-demo"}""",
            """{"agent":"demo-agent","decision":"degrade","person":"mallory@example.com","person_issuer":"https://idp.example.com","seq":3,"tenant":"demo","tool":"tickets.search","workspace":"ws-demo"}""",
        ]);

        var result = await CliRun.RunAsync("policy", "simulate", "--policy", candidate, "--traffic", traffic);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("demo-agent crm.read_contact  allow → block", result.Out, StringComparison.Ordinal);
        Assert.Contains("+ no-contacts-for-mallory: person_not_cleared", result.Out, StringComparison.Ordinal);
        Assert.Contains("3 cases, 1 decisions would change", result.Out, StringComparison.Ordinal);
        Assert.Contains("NOT REPLAYABLE", result.Out, StringComparison.Ordinal);
        Assert.Contains("contractors-no-search", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_ChangedBundle_ReportsInRegisterTerms()
    {
        var candidate = CliRun.CopyBundle(t => t.Replace("    atf_level: L3", "    atf_level: L4", StringComparison.Ordinal));

        var result = await CliRun.RunAsync("policy", "diff", CliRun.ExampleBundle, candidate);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("~ agents demo-agent: atf_level: \"L3\" → \"L4\"", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_ExampleQueries_ProveAbsenceAndExit0()
    {
        var result = await CliRun.RunAsync("policy", "analyze", CliRun.ExampleBundle, "--queries", Path.Combine(CliRun.ExampleCi, "queries.yaml"), "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.True(json.RootElement.GetProperty("exhaustive").GetBoolean());
        Assert.True(json.RootElement.GetProperty("answers")[0].GetProperty("proof_of_absence").GetBoolean());
    }

    [Fact]
    public async Task Analyze_PlantedReachability_Exits2WithTheCounterexample()
    {
        var planted = CliRun.CopyBundle(t => t.Replace("  - { agent: demo-agent, tool: crm.update_contact, data_classes: [pii] }", "  - { agent: \"*\", tool: tickets.search, data_classes: [pii, restricted] }\n  - { agent: demo-agent, tool: crm.update_contact, data_classes: [pii] }", StringComparison.Ordinal));

        var result = await CliRun.RunAsync("policy", "analyze", planted, "--data-class", "restricted", "--decision", "allow", "--decision", "allow_and_log", "--expect", "none");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("demo-agent  tickets.search  allow  request {\"tool\":\"tickets.search\",\"data_classes\":[\"restricted\"]}", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_BadFlag_Exits6()
    {
        var result = await CliRun.RunAsync("policy", "analyze", CliRun.ExampleBundle, "--max-level", "L9");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("'L9' is not a valid ATF level", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportGait_ExamplePolicy_PrintsRulesAndListsUnmappedLines()
    {
        var result = await CliRun.RunAsync("policy", "import-gait", Path.Combine(AppContext.BaseDirectory, "Gait", "base_high_risk.yaml"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("default_verdict: block", result.Out, StringComparison.Ordinal);
        Assert.Contains("base_high_risk.yaml:38: not mapped:", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crm.read_contact", """{"id":"c-1"}""", 0, "decision: allow")]
    [InlineData("payments.refund", """{"order":"o-1","amount":25}""", 4, "decision: require_approval")]
    [InlineData("shell.exec", """{"cmd":"ls"}""", 3, "decision: block")]
    public async Task GateEval_OneRequest_ExitCodeFollowsTheDecision(string tool, string args, int exit, string text)
    {
        var result = await CliRun.RunAsync("gate", "eval", "--policy", CliRun.ExampleBundle, "--agent", "demo-agent", "--tool", tool, "--args", args);

        Assert.Equal(exit, result.ExitCode);
        Assert.Contains(text, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GateEval_Json_IsTheEvaluateBody()
    {
        var result = await CliRun.RunAsync("gate", "eval", "--policy", CliRun.ExampleBundle, "--agent", "demo-agent", "--tool", "payments.refund", "--args", """{"order":"o-1","amount":25}""", "--warrant", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("allow_and_log", json.RootElement.GetProperty("decision").GetString());
        Assert.True(json.RootElement.GetProperty("explanation").GetProperty("warrant_applied").GetBoolean());
    }

    [Fact]
    public async Task GateEval_UnknownTenant_Exits6()
    {
        var result = await CliRun.RunAsync("gate", "eval", "--policy", CliRun.ExampleBundle, "--agent", "demo-agent", "--tenant", "nope", "--tool", "x");

        Assert.Equal(6, result.ExitCode);
    }

    [Fact]
    public async Task Demo_Offline_ShowsAllSixDecisions()
    {
        var result = await CliRun.RunAsync("demo");

        Assert.Equal(0, result.ExitCode);
        foreach (var decision in new[] { "allow ", "allow_and_log", "degrade", "require_approval", "block ", "block_and_open_incident" })
        {
            Assert.Contains(decision, result.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_PolicyAnalyze_ShowsExamples()
    {
        var result = await CliRun.RunAsync("policy", "analyze", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Examples:", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "approvls", "list" }, "'approvls': did you mean 'approvals'?")]
    [InlineData(new[] { "policy", "valdate", "x" }, "'valdate': did you mean 'validate'?")]
    [InlineData(new[] { "tokens", "issue", "--nmae", "bob" }, "'--nmae': did you mean '--name'?")]
    public async Task Typo_CommandOrOption_Exits6AndSuggestsTheName(string[] args, string suggestion)
    {
        var result = await CliRun.RunAsync(args);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains(suggestion, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_Exits6()
    {
        var result = await CliRun.RunAsync("policy", "validate", CliRun.ExampleBundle, "--frobnicate");

        Assert.Equal(6, result.ExitCode);
    }
}
