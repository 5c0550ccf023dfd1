using System.CommandLine;
using System.Text.Json.Nodes;
using Gateway.Policy;
using Gateway.Policy.Authoring;

namespace Gateway.Cli.Commands;

/// <summary><c>policy simulate</c>: a candidate bundle against a baseline over fixtures or exported audit traffic.</summary>
internal static class PolicySimulateCommand
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var candidate = new Option<string>("--policy") { Description = "The candidate bundle", Required = true };
        var baseline = new Option<string?>("--baseline") { Description = "The baseline bundle (default for traffic: the decision the journal recorded)" };
        var fixtures = new Option<string?>("--fixtures") { Description = "A fixtures folder or file" };
        var traffic = new Option<string?>("--traffic") { Description = "Audit records exported as JSON Lines (gatewayctl audit list --json, or the file sink's {tenant}@{replica}.audit.jsonl)" };
        var failOnChange = new Option<bool>("--fail-on-change") { Description = "Exit 5 when any decision would change" };
        var command = new Command("simulate", """
            Evaluate a candidate bundle against a baseline over fixtures or traffic exported from the audit journal, offline,
            and list every decision that would change and why (rule triggers and control findings added and removed). A change
            of approvers, of how many must approve, of the warrant's lifetime or of the degrade mode is a changed decision.
            Exit 0, 5 with --fail-on-change when something changes, 6 invalid input.
            Examples:
              gatewayctl policy simulate --policy new-bundle --baseline examples/bundle --fixtures examples/ci/fixtures
              gatewayctl policy simulate --policy new-bundle --traffic demo.audit.jsonl --json
            """) { candidate, baseline, fixtures, traffic, failOnChange };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            if (parse.GetValue(fixtures) is null && parse.GetValue(traffic) is null)
            {
                return context.Invalid("give --fixtures or --traffic");
            }

            var candidateSet = context.LoadOrReport(parse.GetValue(candidate)!, out var exit);
            if (candidateSet is null)
            {
                return exit;
            }

            PolicySet? baselineSet = null;
            if (parse.GetValue(baseline) is { } baselinePath && (baselineSet = context.LoadOrReport(baselinePath, out exit)) is null)
            {
                return exit;
            }

            var errors = new List<string>();
            var cases = new List<PolicyFixture>();
            if (parse.GetValue(fixtures) is { } fixturePath)
            {
                cases.AddRange(PolicyFixtureFiles.ReadFixtures(fixturePath, errors));
            }

            if (parse.GetValue(traffic) is { } trafficPath)
            {
                cases.AddRange(PolicyFixtureFiles.ReadTraffic(trafficPath, errors));
            }

            if (errors.Count > 0)
            {
                return context.Invalid(string.Join("; ", errors));
            }

            var report = PolicySimulation.Run(candidateSet, baselineSet, cases);
            if (report.Errors.Count > 0)
            {
                return context.Invalid(string.Join("; ", report.Errors));
            }

            var changes = new JsonArray();
            foreach (var change in report.Changes)
            {
                // A shadow tenant's side is its policy's decision; what it enforces is said beside it. An exported record's agent
                // and tool are the record's (an agent's) words: shown escaped (TerminalText).
                context.Line(TerminalText.Safe($"CHANGED  {change.Case}: {change.Agent} {change.Tool}  {Side(change.Before, change.EnforcedBefore)} → {Side(change.After, change.EnforcedAfter)}"));
                foreach (var term in change.Terms)
                {
                    context.Line(TerminalText.Safe($"         ~ {term}"));
                }

                foreach (var added in change.Added)
                {
                    context.Line(TerminalText.Safe($"         + {added}"));
                }

                foreach (var removed in change.Removed)
                {
                    context.Line(TerminalText.Safe($"         - {removed}"));
                }

                changes.Add(new JsonObject
                {
                    ["case"] = change.Case,
                    ["agent"] = change.Agent,
                    ["tool"] = change.Tool,
                    ["before"] = WireNames.Of(change.Before),
                    ["after"] = WireNames.Of(change.After),
                    ["added"] = new JsonArray([.. change.Added.Select(a => (JsonNode)a)]),
                    ["removed"] = new JsonArray([.. change.Removed.Select(a => (JsonNode)a)]),
                    ["terms"] = new JsonArray([.. change.Terms.Select(a => (JsonNode)a)]),
                    ["enforced_before"] = change.EnforcedBefore is { } eb ? WireNames.Of(eb) : null,
                    ["enforced_after"] = change.EnforcedAfter is { } ea ? WireNames.Of(ea) : null,
                });
            }

            foreach (var line in report.NotReplayable)
            {
                context.Line(TerminalText.Safe($"NOT REPLAYABLE  {line}"));
            }

            context.Line($"{report.Cases} cases, {report.Changes.Count} decisions would change");
            context.Document(new JsonObject
            {
                ["ok"] = true,
                ["cases"] = report.Cases,
                ["changed"] = report.Changes.Count,
                ["changes"] = changes,
                ["not_replayable"] = new JsonArray([.. report.NotReplayable.Select(a => (JsonNode)a)]),
            });
            return parse.GetValue(failOnChange) && report.Changes.Count > 0 ? ExitCodes.RegressionFailed : ExitCodes.Success;
        });
        return command;
    }

    private static string Side(DecisionKind decided, DecisionKind? enforced)
        => enforced is { } e ? $"{WireNames.Of(decided)} (enforced {WireNames.Of(e)})" : WireNames.Of(decided);
}
