using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Cli.Runs;

/// <summary>
/// A run's story as the admin API tells it (<c>GET /admin/v1/tenants/{t}/runs/{run}</c>, every page): the run, and its
/// records turned into steps in order. A decision record is a step; the outcome record of the same request (written when
/// the upstream answered) joins it; the run's start, events and cancel are steps of their own, and so is each state of a
/// remote agent's task that an A2A call's answer showed (<c>a2a_task</c>: "helper.summarize task t-1", "task working").
/// </summary>
internal sealed record RunStory(string RunId, JsonElement? Run, IReadOnlyList<RunStep> Steps)
{
    /// <summary>The most pages read for one run (1000 records each).</summary>
    public const int MaxPages = 100;

    /// <summary>Every page of the run's story through <paramref name="get"/>, as one document: <c>{tenant, run_id, run?, records}</c>.</summary>
    public static async Task<JsonElement> GatherAsync(Func<string, Task<JsonElement>> get, string tenant, string run)
    {
        var path = $"tenants/{CliRuntime.Segment(tenant)}/runs/{CliRuntime.Segment(run)}?limit=1000";
        var records = new JsonArray();
        JsonElement? info = null;
        string? cursor = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var body = await get(cursor is null ? path : path + "&cursor=" + Uri.EscapeDataString(cursor));
            info ??= body.TryGetProperty("run", out var found) && found.ValueKind == JsonValueKind.Object ? found : null;
            foreach (var record in body.GetProperty("records").EnumerateArray())
            {
                records.Add(JsonNode.Parse(record.GetRawText()));
            }

            cursor = body.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (cursor is null)
            {
                break;
            }
        }

        var document = new JsonObject { ["tenant"] = tenant, ["run_id"] = run };
        if (info is { } known)
        {
            document["run"] = JsonNode.Parse(known.GetRawText());
        }

        document["records"] = records;
        return JsonSerializer.SerializeToElement(document);
    }

    /// <summary>The story of a gathered document (<see cref="GatherAsync"/>).</summary>
    public static RunStory Of(JsonElement document)
    {
        var steps = new List<RunStep>();
        var byRequest = new Dictionary<string, RunStep>(StringComparer.Ordinal);
        foreach (var record in document.GetProperty("records").EnumerateArray())
        {
            if (IsOutcome(record))
            {
                JoinOutcomes(record, byRequest);
                continue;
            }

            var step = Step(record);
            steps.Add(step);
            if (step is { Kind: RunStepKind.Action, RequestId: { } id })
            {
                byRequest[id] = step;
            }
            else if (step.Kind == RunStepKind.Action && record.TryGetProperty("decisions", out var decisions))
            {
                foreach (var decision in decisions.EnumerateArray())
                {
                    byRequest[Str(decision, "request_id")] = step;
                }
            }
        }

        return new RunStory(
            Str(document, "run_id"),
            document.TryGetProperty("run", out var run) && run.ValueKind == JsonValueKind.Object ? run : null,
            steps);
    }

    /// <summary>The member as text ("" when absent).</summary>
    public static string Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    private static RunStep Step(JsonElement record)
    {
        var decision = Str(record, "decision");
        var time = record.TryGetProperty("time", out var t) && t.TryGetDateTimeOffset(out var parsed) ? parsed : DateTimeOffset.MinValue;
        var runEvent = record.TryGetProperty("run_event", out var e) && e.ValueKind == JsonValueKind.Object ? e : (JsonElement?)null;
        var task = record.TryGetProperty("a2a_task", out var a) && a.ValueKind == JsonValueKind.Object ? a : (JsonElement?)null;
        var (kind, key, what) = (decision, runEvent) switch
        {
            ("run_started", _) => (RunStepKind.Start, "start", "run started" + Detail(runEvent, "framework", " by ") + Detail(runEvent, "purpose", ": ")),
            (_, { } ev) when Str(ev, "type") == "cancelled" && decision == "admin_action" => (RunStepKind.Cancel, "cancel", "cancelled by " + Str(ev, "by") + Detail(ev, "reason", ": ")),
            ("run_event", { } ev) => (RunStepKind.Event, "event:" + Str(ev, "type") + ":" + Str(ev, "name"), "event " + Str(ev, "type") + (Str(ev, "name") is { Length: > 0 } name ? " " + name : string.Empty)),
            // A remote agent's task state (docs/a2a.md): aligned by the call's tool, its state compared.
            _ when task is { } shown => (RunStepKind.Other, "task:" + Str(record, "tool"), Str(record, "tool") + " task " + Str(shown, "id")),
            _ when decision.StartsWith("refused:", StringComparison.Ordinal) => (RunStepKind.Refusal, "action:" + Str(record, "tool"), Str(record, "tool") is { Length: > 0 } tool ? tool : "-"),
            _ when record.TryGetProperty("policy_digest", out _) => (RunStepKind.Action, "action:" + Str(record, "tool"), Str(record, "tool")),
            _ => (RunStepKind.Other, "other:" + decision, decision),
        };
        return new RunStep
        {
            Kind = kind,
            Key = key,
            Time = time,
            Actor = Str(record, "actor") is { Length: > 0 } admin ? "admin:" + admin : Str(record, "agent"),
            What = what,
            Decision = kind switch
            {
                RunStepKind.Event => Str(runEvent!.Value, "type"),
                RunStepKind.Start => "started",
                RunStepKind.Cancel => "cancelled",
                _ when task is { } shown => "task " + Str(shown, "state"),
                _ => decision,
            },
            FailingControls = record.TryGetProperty("failing_controls", out var controls) ? [.. controls.EnumerateArray().Select(c => c.GetString() ?? string.Empty)] : [],
            RequestId = record.TryGetProperty("request_id", out var id) ? id.GetString() : null,
            Count = record.TryGetProperty("count", out var count) && count.TryGetInt32(out var n) ? n : 1,
            Record = record,
        };
    }

    // An action's outcome: the allow family without a policy digest (its decision record carries that), one request or folded.
    private static bool IsOutcome(JsonElement record) =>
        !record.TryGetProperty("policy_digest", out _) && !record.TryGetProperty("run_event", out _)
        && Str(record, "decision") is "allow" or "allow_and_log" or "degrade";

    private static void JoinOutcomes(JsonElement record, Dictionary<string, RunStep> byRequest)
    {
        if (record.TryGetProperty("outcomes", out var outcomes))
        {
            foreach (var outcome in outcomes.EnumerateArray())
            {
                Join(outcome, byRequest);
            }
        }
        else
        {
            Join(record, byRequest);
        }
    }

    private static void Join(JsonElement outcome, Dictionary<string, RunStep> byRequest)
    {
        if (!byRequest.TryGetValue(Str(outcome, "request_id"), out var step))
        {
            return;
        }

        var status = outcome.TryGetProperty("status_code", out var s) ? s.GetRawText() : "?";
        var upstream = outcome.TryGetProperty("upstream_status", out var u) ? " upstream " + u.GetRawText() : string.Empty;
        var latency = outcome.TryGetProperty("latency_ms", out var l) && l.TryGetDouble(out var ms) ? " " + ms.ToString("0", CultureInfo.InvariantCulture) + " ms" : string.Empty;
        var text = status + upstream + latency;
        step.Outcome = step.Outcome is null ? text : step.Outcome + "; " + text;
    }

    private static string Detail(JsonElement? runEvent, string name, string prefix) =>
        runEvent is { } e && e.TryGetProperty("detail", out var detail) && Str(detail, name) is { Length: > 0 } value ? prefix + value : string.Empty;
}
