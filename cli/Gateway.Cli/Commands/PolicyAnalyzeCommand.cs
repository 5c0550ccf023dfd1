using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Gateway.Policy;
using Gateway.Policy.Authoring;

namespace Gateway.Cli.Commands;

/// <summary><c>policy analyze</c>: exhaustive questions over the finite register, with counterexamples or proofs of absence.</summary>
internal static class PolicyAnalyzeCommand
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var bundle = new Argument<string>("bundle") { Description = "Bundle directory or tenant file" };
        var tenantOption = new Option<string?>("--tenant") { Description = "Tenant slug (when the bundle has several)" };
        var queryFile = new Option<string?>("--queries") { Description = "A YAML file of queries (checked in CI)" };
        var agents = new Option<string[]>("--agent") { Description = "Agent id glob (repeatable)" };
        var maxLevel = new Option<string?>("--max-level") { Description = "Only agents at or below this ATF level (L1..L4)" };
        var tools = new Option<string[]>("--tool") { Description = "Tool name glob (repeatable)" };
        var actionTypes = new Option<string[]>("--action-type") { Description = "Action type (repeatable)" };
        var dataClass = new Option<string?>("--data-class") { Description = "Only requests whose data classes include this class" };
        var targetKind = new Option<string?>("--target-kind") { Description = "Only requests that declare a target of this kind" };
        var decisions = new Option<string[]>("--decision") { Description = "Decisions asked about (repeatable; default all)" };
        var expect = new Option<string?>("--expect") { Description = "none (exit 2 on a counterexample) or some (exit 2 when none is found)" };
        var baseline = new Option<string?>("--baseline") { Description = "A baseline bundle: list every (agent, tool) cell whose decisions change" };
        var command = new Command("analyze", """
            Answer questions exhaustively over the finite register: which agents can reach a tool, data class or target kind
            and under which decision; can any agent at or below a level get a decision on an action type; which rules never
            fire or are shadowed; with --baseline, every cell whose decisions change. Each answer is a concrete request the
            engine decides that way (a counterexample), or, when the report is exhaustive, a proof of absence.
            Exit 0, 2 when a query's expectation fails, 6 invalid input.
            Examples:
              gatewayctl policy analyze examples/bundle --max-level L2 --action-type financial --decision allow --decision allow_and_log --expect none
              gatewayctl policy analyze examples/bundle --data-class restricted --target-kind url --decision allow
              gatewayctl policy analyze examples/bundle --queries examples/ci/queries.yaml --json
              gatewayctl policy analyze new-bundle --baseline examples/bundle
            """) { bundle, tenantOption, queryFile, agents, maxLevel, tools, actionTypes, dataClass, targetKind, decisions, expect, baseline };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var set = context.LoadOrReport(parse.GetValue(bundle)!, out var exit);
            if (set is null)
            {
                return exit;
            }

            var tenant = PolicyCommandContext.Tenant(set, parse.GetValue(tenantOption), out var error);
            if (tenant is null)
            {
                return context.Invalid(error!);
            }

            var errors = new List<string>();
            var queries = new List<AnalysisQuery>();
            if (parse.GetValue(queryFile) is { } file)
            {
                if (!File.Exists(file))
                {
                    return context.Invalid($"{file}: no such file");
                }

                queries.AddRange(AnalysisQueryFile.Read(File.ReadAllText(file), errors));
            }

            var flagged = new AnalysisQuery
            {
                Name = "command-line",
                Agents = NullIfEmpty(parse.GetValue(agents)),
                MaxLevel = AnalysisQueryFile.Parse<AtfLevel>(parse.GetValue(maxLevel), "ATF level", errors),
                Tools = NullIfEmpty(parse.GetValue(tools)),
                ActionTypes = NullIfEmpty(parse.GetValue(actionTypes))?.Select(t => AnalysisQueryFile.Parse<ActionType>(t, "action type", errors)).OfType<ActionType>().ToList(),
                DataClass = AnalysisQueryFile.Parse<DataClass>(parse.GetValue(dataClass), "data class", errors),
                TargetKind = AnalysisQueryFile.Parse<TargetKind>(parse.GetValue(targetKind), "target kind", errors),
                Decisions = NullIfEmpty(parse.GetValue(decisions))?.Select(d => AnalysisQueryFile.Parse<DecisionKind>(d, "decision", errors)).OfType<DecisionKind>().ToList(),
                Expect = parse.GetValue(expect) switch
                {
                    null => QueryExpectation.Report,
                    "none" => QueryExpectation.None,
                    "some" => QueryExpectation.Some,
                    var other => Bad(errors, $"--expect '{other}' must be none or some"),
                },
            };
            if (flagged != new AnalysisQuery { Name = "command-line" })
            {
                queries.Add(flagged);
            }

            TenantPolicy? baselineTenant = null;
            if (parse.GetValue(baseline) is { } baselinePath)
            {
                var baselineSet = context.LoadOrReport(baselinePath, out exit);
                if (baselineSet is null)
                {
                    return exit;
                }

                baselineTenant = PolicyCommandContext.Tenant(baselineSet, tenant.Slug, out error);
                if (baselineTenant is null)
                {
                    return context.Invalid("baseline: " + error);
                }
            }

            if (errors.Count > 0)
            {
                return context.Invalid(string.Join("; ", errors));
            }

            var clock = Stopwatch.StartNew();
            var report = new RegisterAnalyzer(tenant, queries).Analyze(queries, baselineTenant);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            Print(context, report, elapsed);
            return report.Answers.All(a => a.Passed) ? ExitCodes.Success : ExitCodes.VerificationFailed;
        });
        return command;
    }

    private static void Print(PolicyCommandContext context, AnalysisReport report, double elapsedMs)
    {
        context.Line($"tenant {report.Tenant}: {report.Cells} (agent, tool) cells, {report.Points} requests evaluated, {(report.Exhaustive ? "exhaustive" : $"NOT exhaustive ({report.UnrealisedAssignments} unrealised assignments{(report.Truncated ? ", atoms truncated" : string.Empty)})")}, {elapsedMs:F0} ms");
        var answers = new JsonArray();
        foreach (var answer in report.Answers)
        {
            var asked = answer.Query.Decisions is { } d ? string.Join(", ", d.Select(WireNames.Of)) : "any decision";
            var verdict = answer.TotalWitnesses == 0
                ? report.Exhaustive ? "PROVEN ABSENT" : "none found (not a proof: the report is not exhaustive)"
                : $"{answer.TotalWitnesses} cell(s)";
            context.Line($"query {answer.Query.Name} [{asked}]{(answer.Query.Expect == QueryExpectation.Report ? string.Empty : $" expect {answer.Query.Expect.ToString().ToLowerInvariant()}")}: {verdict}{(answer.Passed ? string.Empty : "  ✗ FAILED")}");
            var witnesses = new JsonArray();
            foreach (var w in answer.Witnesses)
            {
                var request = PolicyCommandContext.RequestJson(w.Request);
                context.Line($"  {w.Agent}  {w.Tool}  {WireNames.Of(w.Decision.Kind)}  request {request.ToJsonString()}");
                witnesses.Add(new JsonObject { ["agent"] = w.Agent, ["tool"] = w.Tool, ["decision"] = WireNames.Of(w.Decision.Kind), ["request"] = request, ["why"] = PolicyCommandContext.Why(w.Decision) });
            }

            answers.Add(new JsonObject
            {
                ["name"] = answer.Query.Name,
                ["expect"] = answer.Query.Expect.ToString().ToLowerInvariant(),
                ["passed"] = answer.Passed,
                ["proof_of_absence"] = answer.TotalWitnesses == 0 && report.Exhaustive,
                ["total"] = answer.TotalWitnesses,
                ["witnesses"] = witnesses,
            });
        }

        context.Line(report.NeverFiring.Count == 0 ? "rules that never fire: none" : $"rules that never fire: {string.Join(", ", report.NeverFiring)}");
        context.Line(report.Shadowed.Count == 0 ? "shadowed rules: none" : $"shadowed rules: {string.Join(", ", report.Shadowed.Select(s => $"{s.Rule} (by {s.By})"))}");
        var changes = new JsonArray();
        foreach (var change in report.Changes ?? [])
        {
            context.Line($"changed  {change.Agent}  {change.Tool}  {WireNames.Of(change.BaselinePlain)} → {WireNames.Of(change.CandidatePlain)}  reachable [{string.Join(", ", change.BaselineReachable.Select(WireNames.Of))}] → [{string.Join(", ", change.CandidateReachable.Select(WireNames.Of))}]");
            changes.Add(new JsonObject
            {
                ["agent"] = change.Agent,
                ["tool"] = change.Tool,
                ["baseline"] = WireNames.Of(change.BaselinePlain),
                ["candidate"] = WireNames.Of(change.CandidatePlain),
                ["baseline_reachable"] = new JsonArray([.. change.BaselineReachable.Select(k => (JsonNode)WireNames.Of(k))]),
                ["candidate_reachable"] = new JsonArray([.. change.CandidateReachable.Select(k => (JsonNode)WireNames.Of(k))]),
            });
        }

        if (report.Changes is { Count: 0 })
        {
            context.Line("changes against baseline: none");
        }

        context.Document(new JsonObject
        {
            ["ok"] = report.Answers.All(a => a.Passed),
            ["tenant"] = report.Tenant,
            ["cells"] = report.Cells,
            ["requests_evaluated"] = report.Points,
            ["exhaustive"] = report.Exhaustive,
            ["unrealised_assignments"] = report.UnrealisedAssignments,
            ["elapsed_ms"] = Math.Round(elapsedMs, 1),
            ["answers"] = answers,
            ["never_firing"] = new JsonArray([.. report.NeverFiring.Select(r => (JsonNode)r)]),
            ["shadowed"] = new JsonArray([.. report.Shadowed.Select(s => (JsonNode)new JsonObject { ["rule"] = s.Rule, ["by"] = s.By })]),
            ["changes"] = report.Changes is null ? null : changes,
        });
    }

    private static QueryExpectation Bad(List<string> errors, string message)
    {
        errors.Add(message);
        return QueryExpectation.Report;
    }

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;
}
