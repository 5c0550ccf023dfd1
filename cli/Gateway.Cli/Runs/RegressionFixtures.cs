using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Policy.Authoring;

namespace Gateway.Cli.Runs;

/// <summary>
/// <c>regress init --from-run</c>'s file: one fixture of <c>gatewayctl policy test</c> (docs/policy-bundles.md) per decision
/// the run was given, expecting that decision, its failing controls and its reason codes again. The audit journal never
/// holds a payload, so each request names its tool only, unchecked against its input schema (the gateway decided it after
/// checking): the file says so at its top, for the author to add the arguments a decision depends on. A delegated child's steps are fixtures of its registered agent (its grant's narrowing
/// is not replayed). A step the run's loop decided carries <c>run: { intent_repeats: N }</c>, the count its trigger recorded.
/// </summary>
internal static partial class RegressionFixtures
{
    /// <summary>The fixtures file for <paramref name="story"/>'s decisions; null when the run was given none.</summary>
    public static string? Write(RunStory story, string tenant, string? origin = null)
    {
        var decisions = story.Steps.Where(static s => s.Kind == RunStepKind.Action).ToList();
        if (decisions.Count == 0)
        {
            return null;
        }

        var registered = story.Run is { } run ? RunStory.Str(run, "agent") : null;
        var text = new StringBuilder();
        text.Append("# Regression fixtures from ").Append(origin ?? "run " + story.RunId).Append(" of tenant ").Append(tenant)
            .Append(", written by gatewayctl regress init: one per decision, in the recorded order.\n")
            .Append("# The audit journal never holds payloads: each request names its tool only. Add the args (and target, provenance)\n")
            .Append("# a decision depends on (and drop check_input_schema: false, so that they are checked against the tool's input_schema\n")
            .Append("# as the gateway checks them), then: gatewayctl policy test <bundle> <this file>\n")
            .Append("fixtures:\n");
        var index = 0;
        foreach (var step in decisions)
        {
            index++;
            var record = step.Record;
            var agent = registered is { Length: > 0 } ? registered : AuditRecordActors.RegisteredAgent(record) ?? string.Empty;
            text.Append("  - name: ").Append(Quote($"{story.RunId} step {index}: {step.What} → {step.Decision}")).Append('\n')
                .Append("    tenant: ").Append(Quote(RunStory.Str(record, "tenant"))).Append('\n');
            if (RunStory.Str(record, "workspace") is { Length: > 0 } workspace)
            {
                text.Append("    workspace: ").Append(Quote(workspace)).Append('\n');
            }

            text.Append("    agent: ").Append(Quote(agent)).Append('\n')
                .Append("    check_input_schema: false\n");
            var reasons = ReasonCodes(record);
            if (reasons.Contains(LoopDetected))
            {
                // Decided by run_limits.loop: replay the run's count of the intent, or (not recorded) leave the loop unchecked.
                if (LoopRepeats(record) is { } repeats)
                {
                    text.Append("    run: { intent_repeats: ").Append(repeats.ToString(CultureInfo.InvariantCulture)).Append(" }\n");
                }
                else
                {
                    text.Append("    # the run's loop decided this step, but its count was not recorded: the loop is not replayed\n");
                    reasons.Remove(LoopDetected);
                }
            }

            text
                .Append("    request: { tool: ").Append(Quote(step.What)).Append(", args: {} }\n")
                .Append("    expect: { decision: ").Append(Quote(step.Decision))
                .Append(", failing_controls: ").Append(List(step.FailingControls));
            if (reasons.Count > 0)
            {
                text.Append(", reason_codes: ").Append(List(reasons));
            }

            text.Append(" }\n");
        }

        return text.ToString();
    }

    private const string LoopDetected = "run_loop_detected";

    // The loop trigger's count: "the same action (intent …) occurred N times in run …" (RunLimitExplanations.LoopTrigger).
    private static long? LoopRepeats(JsonElement record)
    {
        if (!record.TryGetProperty("explanation", out var explanation) || !explanation.TryGetProperty("rule_triggers", out var triggers))
        {
            return null;
        }

        foreach (var trigger in triggers.EnumerateArray())
        {
            if (RunStory.Str(trigger, "reason_code") == LoopDetected
                && LoopCount().Match(RunStory.Str(trigger, "message")) is { Success: true } match
                && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var repeats))
            {
                return repeats;
            }
        }

        return null;
    }

    [GeneratedRegex(@"\) occurred (\d+) times in run ")]
    private static partial Regex LoopCount();

    private static List<string> ReasonCodes(JsonElement record) =>
        record.TryGetProperty("explanation", out var explanation) && explanation.TryGetProperty("rule_triggers", out var triggers)
            ? [.. triggers.EnumerateArray().Select(t => RunStory.Str(t, "reason_code")).Where(static c => c.Length > 0).Distinct()]
            : [];

    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // A YAML double-quoted scalar: JSON's escapes are YAML's.
    private static string Quote(string value) => JsonSerializer.Serialize(value, Readable);

    private static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Quote)) + "]";
}
