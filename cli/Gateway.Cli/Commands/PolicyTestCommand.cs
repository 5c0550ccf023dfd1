using System.CommandLine;
using System.Text.Json.Nodes;
using Gateway.Policy;
using Gateway.Policy.Authoring;

namespace Gateway.Cli.Commands;

/// <summary><c>policy test &lt;bundle&gt; &lt;fixtures&gt;</c>: every fixture's decision, failing controls and reasons; exit 5 on a regression.</summary>
internal static class PolicyTestCommand
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var bundle = new Argument<string>("bundle") { Description = "Bundle directory or tenant file" };
        var fixtures = new Argument<string>("fixtures") { Description = "A fixtures folder (every .yaml/.yml/.json file, recursively) or one fixture file" };
        var junit = new Option<string?>("--junit") { Description = "Also write a JUnit XML report to this file" };
        var command = new Command("test", """
            Run fixtures (request + expected decision, failing controls, reason codes, approvers) against a bundle.
            Exit 0 all pass, 5 a fixture failed, 6 invalid bundle or fixture.
            Examples:
              gatewayctl policy test examples/bundle examples/ci/fixtures
              gatewayctl policy test examples/bundle examples/ci/fixtures --junit artifacts/policy-junit.xml --json
            """) { bundle, fixtures, junit };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var set = context.LoadOrReport(parse.GetValue(bundle)!, out var exit);
            if (set is null)
            {
                return exit;
            }

            return RunFixtures(context, set, parse.GetValue(fixtures)!, parse.GetValue(junit), "gatewayctl policy test");
        });
        return command;
    }

    /// <summary>
    /// Runs every fixture of <paramref name="fixturesPath"/> against <paramref name="set"/>, prints PASS/FAIL lines (or the
    /// JSON document with <c>top_failure_reason</c>), writes JUnit XML when asked; exit 0, 5 on a failure, 6 on a bad fixture.
    /// </summary>
    internal static int RunFixtures(PolicyCommandContext context, PolicySet set, string fixturesPath, string? junitPath, string suite)
    {
        var errors = new List<string>();
        var cases = PolicyFixtureFiles.ReadFixtures(fixturesPath, errors);
        if (errors.Count > 0)
        {
            return context.Invalid(string.Join("; ", errors));
        }

        var results = cases.Select(c => FixtureEvaluator.Run(set, c)).ToList();
        var items = new JsonArray();
        foreach (var result in results)
        {
            // The policy's decision (a shadow tenant's would_be), with what is enforced beside it when that differs.
            var decision = result.Decision is { } d ? WireNames.Of(DecisionComparison.PolicysDecision(d).Kind) : result.Refusal is { } r ? "refused " + r.Code : "error";
            var enforced = result.Decision is { } de && DecisionComparison.EnforcedIfDifferent(de) is { } e ? WireNames.Of(e) : null;
            context.Line($"{(result.Passed ? "PASS" : "FAIL")}  {result.Fixture.Name}  → {decision}{(enforced is null ? string.Empty : $" (enforced {enforced})")}{(result.Passed ? string.Empty : "\n      " + string.Join("\n      ", result.Failures))}");
            items.Add(new JsonObject
            {
                ["name"] = result.Fixture.Name,
                ["source"] = result.Fixture.Source,
                ["passed"] = result.Passed,
                ["decision"] = result.Refusal is null ? decision : null,
                ["enforced"] = enforced,
                ["refusal"] = result.Refusal?.Code,
                ["failing_controls"] = result.Decision is { } dd ? new JsonArray([.. FixtureEvaluator.FailingControls(dd).Select(c => (JsonNode)c)]) : null,
                ["failures"] = new JsonArray([.. result.Failures.Select(f => (JsonNode)f)]),
            });
        }

        if (junitPath is not null)
        {
            File.WriteAllText(junitPath, JUnitReport.Write(suite, results));
        }

        var failed = results.Count(r => !r.Passed);
        context.Line($"{results.Count - failed} passed, {failed} failed");
        var top = results.FirstOrDefault(static r => !r.Passed) is { } first ? TopFailureReason(first) : null;
        if (top is not null && failed > 1)
        {
            // With one failure its FAIL lines above are the whole story: the summary would only say it again.
            context.Line("top failure: " + top);
        }

        context.Document(new JsonObject { ["ok"] = failed == 0, ["passed"] = results.Count - failed, ["failed"] = failed, ["top_failure_reason"] = top, ["fixtures"] = items });
        return failed == 0 ? ExitCodes.Success : ExitCodes.RegressionFailed;
    }

    /// <summary>
    /// What changed the first failing fixture's decision: the decisions, and the controls that stopped or started failing
    /// (with the reasons the bundle now gives), else its first failed expectation.
    /// </summary>
    internal static string TopFailureReason(FixtureResult result)
    {
        if (result.Decision is not { } decision || result.Fixture.Expect is not { } expect)
        {
            return $"{result.Fixture.Name}: {result.Failures.FirstOrDefault()}";
        }

        var now = FixtureEvaluator.FailingControls(decision);
        var was = expect.FailingControls ?? [];
        var changes = new List<string>();
        if (was.Except(now, StringComparer.Ordinal).ToList() is { Count: > 0 } stopped)
        {
            changes.Add("no longer failing: " + string.Join(", ", stopped));
        }

        if (now.Except(was, StringComparer.Ordinal).ToList() is { Count: > 0 } started)
        {
            changes.Add("now failing: " + string.Join(", ", started));
        }

        // Each failure is said once: the decision's change in words (its own "decision:" line left out), else the failures.
        var decided = DecisionComparison.PolicysDecision(decision).Kind;
        var decisionChanged = expect.Decision is { } expected && expected != decided;
        List<string> said = decisionChanged
            ? [$"decision {WireNames.Of(expect.Decision!.Value)} → {WireNames.Of(decided)}"]
            : [result.Failures.FirstOrDefault() ?? "changed"];
        if (changes.Count > 0)
        {
            said.Add("control " + string.Join("; ", changes));
        }
        else
        {
            said.AddRange(result.Failures.Where(f => !f.StartsWith("decision:", StringComparison.Ordinal) && !said.Contains(f)));
        }

        return $"{result.Fixture.Name}: {string.Join("; ", said)}";
    }
}
