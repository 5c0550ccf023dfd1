using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Cli.Runs;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>runs list|inspect|cancel|diff --tenant</c>: a tenant's runs, one run's story (each event and each decision in order),
/// cancelling a run on every replica, and two runs' steps aligned with the decisions that differ; the text output shows
/// recorded text escaped (<see cref="TerminalText"/>).
/// </summary>
internal static class RunsCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("runs", "Agent runs: list them, read one's story, cancel one, compare two");
        command.Subcommands.Add(List(runtime));
        command.Subcommands.Add(Inspect(runtime));
        command.Subcommands.Add(Cancel(runtime));
        command.Subcommands.Add(Diff(runtime));
        return command;
    }

    private static Command List(CliRuntime runtime)
    {
        var tenant = GlobalOptions.Tenant();
        var agent = new Option<string?>("--agent") { Description = "Only this registered agent's runs" };
        var status = new Option<string?>("--status") { Description = "Only runs with this status (active, completed, failed, cancelled)" };
        var from = new Option<string?>("--from") { Description = "Runs started at or after this ISO 8601 time" };
        var to = new Option<string?>("--to") { Description = "Runs started before this ISO 8601 time" };
        var limit = new Option<int>("--limit") { Description = "How many runs (1-1000)", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "The tenant's runs the gateway still holds, newest first") { tenant, agent, status, from, to, limit };
        list.SetAction((parse, ct) =>
        {
            var parameters = new List<string> { string.Create(CultureInfo.InvariantCulture, $"limit={parse.GetValue(limit)}") };
            foreach (var (name, option) in new[] { ("agent", agent), ("status", status), ("from", from), ("to", to) })
            {
                if (parse.GetValue(option) is { } value)
                {
                    parameters.Add(name + "=" + Uri.EscapeDataString(value));
                }
            }

            return runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/runs?{string.Join('&', parameters)}", null, PrintList, ct);
        });
        return list;
    }

    private static Command Inspect(CliRuntime runtime)
    {
        var tenant = GlobalOptions.Tenant();
        var run = RunArgument("run");
        var inspect = new Command("inspect", "One run and its story: each event and each decision in order (every record of the run in the audit journal)") { run, tenant };
        inspect.SetAction((parse, ct) => runtime.FetchAsync(parse, get => RunStory.GatherAsync(get, parse.GetValue(tenant)!, parse.GetValue(run)!), PrintStory, ct));
        return inspect;
    }

    private static Command Cancel(CliRuntime runtime)
    {
        var tenant = GlobalOptions.Tenant();
        var run = RunArgument("run");
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the run's story)" };
        var cancel = new Command("cancel", "Cancel a run on every replica: its next action is refused (409 run_cancelled), recorded with your token's name") { run, tenant, reason };
        cancel.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Post,
            $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/runs/{CliRuntime.Segment(parse.GetValue(run)!)}/cancel",
            parse.GetValue(reason) is { } why ? CliRuntime.JsonObject(("reason", why)) : "{}",
            PrintRun,
            ct));
        return cancel;
    }

    private static Command Diff(CliRuntime runtime)
    {
        var tenant = GlobalOptions.Tenant();
        var a = RunArgument("a");
        var b = RunArgument("b");
        var failOnChange = new Option<bool>("--fail-on-change") { Description = "Exit 5 when a step or a decision differs" };
        var diff = new Command("diff", "Two runs' steps aligned (the same tool, the same event), each decision that differs marked") { a, b, tenant, failOnChange };
        diff.SetAction((parse, ct) => runtime.FetchAsync(
            parse,
            async get => Compare(
                await RunStory.GatherAsync(get, parse.GetValue(tenant)!, parse.GetValue(a)!),
                await RunStory.GatherAsync(get, parse.GetValue(tenant)!, parse.GetValue(b)!)),
            (body, output) =>
            {
                PrintDiff(body, output);
                return parse.GetValue(failOnChange) && body.GetProperty("differing").GetInt32() > 0 ? ExitCodes.RegressionFailed : null;
            },
            ct));
        return diff;
    }

    private static Argument<string> RunArgument(string name) => new(name) { Description = "A run id (run- and 32 hex characters)" };

    /// <summary>The diff as one document: each aligned row (a step of a, of b, or both) and how many differ.</summary>
    private static JsonElement Compare(JsonElement a, JsonElement b)
    {
        var (storyA, storyB) = (RunStory.Of(a), RunStory.Of(b));
        var rows = RunStepAlignment.Align(storyA.Steps, storyB.Steps);
        return JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["a"] = storyA.RunId,
            ["b"] = storyB.RunId,
            ["differing"] = rows.Count(static r => r.Differs),
            ["steps"] = rows.Select(static r => new Dictionary<string, object?>
            {
                ["key"] = (r.A ?? r.B)!.Key,
                ["a"] = r.A?.Verdict,
                ["b"] = r.B?.Verdict,
                ["differs"] = r.Differs,
            }).ToList(),
        });
    }

    private static int? PrintList(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        var runs = Json.Array(body, "runs").ToList();
        if (runs.Count == 0)
        {
            output.WriteLine("No runs.");
            return null;
        }

        Line(output, $"{"RUN",-36}  {"AGENT",-20}  {"STATUS",-9}  {"STARTED",-24}  {"FRAMEWORK",-14}  PURPOSE");
        foreach (var run in runs)
        {
            Line(output, $"{Json.Str(run, "run_id"),-36}  {Cut(Json.Str(run, "agent"), 20),-20}  {Json.Str(run, "status"),-9}  {Json.Str(run, "created_at"),-24}  {Cut(Json.Str(run, "framework"), 14),-14}  {Cut(Json.Str(run, "purpose"), 60)}");
        }

        return null;
    }

    private static int? PrintRun(JsonElement run, TextWriter? output)
    {
        Line(output, $"Run {Json.Str(run, "run_id")} of {Json.Str(run, "agent")} ({Json.Str(run, "tenant")}): {Json.Str(run, "status")}"
            + (Json.Str(run, "ended_by") is { Length: > 0 } by ? $" by {by} at {Json.Str(run, "ended_at")}" : string.Empty)
            + (Json.Str(run, "end_reason") is { Length: > 0 } reason ? $" ({reason})" : string.Empty));
        return null;
    }

    private static int? PrintStory(JsonElement document, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        var story = RunStory.Of(document);
        if (story.Run is { } run)
        {
            PrintRun(run, output);
            Line(output, $"  started {Json.Str(run, "created_at")} by {Json.Str(run, "started_by")}"
                + (Json.Str(run, "framework") is { Length: > 0 } framework ? $", framework {framework}" : string.Empty)
                + (Json.Str(run, "parent_run") is { Length: > 0 } parent ? $", under {parent}" : string.Empty)
                + $", trace {Json.Str(run, "trace_id")}");
            if (Json.Str(run, "purpose") is { Length: > 0 } purpose)
            {
                Line(output, $"  purpose: {purpose}");
            }
        }
        else
        {
            Line(output, $"Run {story.RunId}: no longer held by the gateway; its story from the audit journal:");
        }

        output.WriteLine();
        Line(output, $"{"#",3}  {"TIME",-12}  {"ACTOR",-22}  {"STEP",-32}  {"DECISION",-26}  OUTCOME");
        var index = 0;
        foreach (var step in story.Steps)
        {
            index++;
            var decision = step.Verdict + (step.Count > 1 ? $" ×{step.Count}" : string.Empty);
            Line(output, $"{index,3}  {step.Time.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),-12}  {Cut(step.Actor, 22),-22}  {Cut(step.What, 32),-32}  {Cut(decision, 26),-26}  {step.Outcome}");
        }

        Line(output, $"{index} step(s)");
        return null;
    }

    private static void PrintDiff(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return;
        }

        Line(output, $"     {"A: " + Json.Str(body, "a"),-44}     B: {Json.Str(body, "b")}");
        var index = 0;
        foreach (var row in Json.Array(body, "steps"))
        {
            index++;
            var key = Json.Str(row, "key");
            var what = key.StartsWith("action:", StringComparison.Ordinal) ? key["action:".Length..] : key.Replace(':', ' ');
            string Side(string side) => Json.Str(row, side) is { Length: > 0 } verdict ? $"{what} → {verdict}" : "-";
            var mark = !Json.Bool(row, "differs") ? " " : Json.Str(row, "a").Length == 0 ? "+" : Json.Str(row, "b").Length == 0 ? "-" : "≠";
            Line(output, $"{index,3} {mark} {Cut(Side("a"), 44),-44}  {mark}  {Side("b")}");
        }

        Line(output, $"{body.GetProperty("differing").GetInt32()} of {index} step(s) differ");
    }

    // A line of the text output: what the gateway recorded from agents and remote agents (a run's purpose, a remote task's id
    // and state) is shown with its terminal controls escaped (TerminalText), so it cannot rewrite or hide another line.
    private static void Line(TextWriter? output, string line) => output?.WriteLine(TerminalText.Safe(line));

    // Escaped first, so a column's width holds what is shown; a longer text is cut between whole characters (never inside
    // a surrogate pair or a \u{…} escape) and ends with "…".
    private static string Cut(string text, int width)
    {
        var safe = TerminalText.Safe(text);
        if (safe.Length <= width)
        {
            return safe;
        }

        var cut = new StringBuilder(width);
        foreach (var rune in text.EnumerateRunes())
        {
            var piece = TerminalText.Safe(rune.ToString());
            if (cut.Length + piece.Length > width - 1)
            {
                break;
            }

            cut.Append(piece);
        }

        return cut.Append('…').ToString();
    }
}
