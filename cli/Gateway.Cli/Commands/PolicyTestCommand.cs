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

            var errors = new List<string>();
            var cases = FixtureReader.Read(parse.GetValue(fixtures)!, errors);
            if (errors.Count > 0)
            {
                return context.Invalid(string.Join("; ", errors));
            }

            var results = cases.Select(c => FixtureEvaluator.Run(set, c)).ToList();
            var items = new JsonArray();
            foreach (var result in results)
            {
                var decision = result.Decision is { } d ? WireNames.Of(d.Kind) : "error";
                context.Line($"{(result.Passed ? "PASS" : "FAIL")}  {result.Fixture.Name}  → {decision}{(result.Passed ? string.Empty : "\n      " + string.Join("\n      ", result.Failures))}");
                items.Add(new JsonObject
                {
                    ["name"] = result.Fixture.Name,
                    ["source"] = result.Fixture.Source,
                    ["passed"] = result.Passed,
                    ["decision"] = decision,
                    ["failing_controls"] = result.Decision is { } dd ? new JsonArray([.. FixtureEvaluator.FailingControls(dd).Select(c => (JsonNode)c)]) : null,
                    ["failures"] = new JsonArray([.. result.Failures.Select(f => (JsonNode)f)]),
                });
            }

            if (parse.GetValue(junit) is { } junitPath)
            {
                File.WriteAllText(junitPath, JUnitReport.Write("gatewayctl policy test", results));
            }

            var failed = results.Count(r => !r.Passed);
            context.Line($"{results.Count - failed} passed, {failed} failed");
            context.Document(new JsonObject { ["ok"] = failed == 0, ["passed"] = results.Count - failed, ["failed"] = failed, ["fixtures"] = items });
            return failed == 0 ? ExitCodes.Success : ExitCodes.RegressionFailed;
        });
        return command;
    }
}
