using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.A2a;

/// <summary>
/// Reads what a remote agent's answer (a JSON-RPC <c>result</c>) says about a task, in either wire version: the task it
/// names (1.0's <c>{"task":{"id"}}</c>, 0.3's <c>{"kind":"task","id"}</c>, or the <c>taskId</c> of a message or of a status
/// or artifact update: 1.0's <c>statusUpdate</c>, <c>artifactUpdate</c>, 0.3's kinds), and the task's state when it shows
/// one (a task, or a status update).
/// </summary>
internal static class A2aTaskEvents
{
    /// <summary>
    /// The task <paramref name="result"/> names, or null: null too for an id the record could not keep
    /// (<see cref="Recordable"/>), which no caller is recorded as owning, so a later call acting on it is not found.
    /// </summary>
    public static string? TaskIdOf(JsonElement result) => NamedTaskIdOf(result) is { } taskId && Recordable(taskId) ? taskId : null;

    /// <summary>The context (<c>contextId</c>) of the task, message or update <paramref name="result"/> is, or null.</summary>
    public static string? ContextIdOf(JsonElement result) =>
        Unwrap(result) is { ValueKind: JsonValueKind.Object } inner && inner.TryGetProperty("contextId", out var contextId) && contextId.ValueKind == JsonValueKind.String
            ? contextId.GetString()
            : null;

    /// <summary>
    /// The task's state <paramref name="result"/> shows (a task, or a status update), as the audit record keeps it, or null:
    /// null too for a task id longer than <see cref="MaxRecordedIdLength"/> or holding a control or format character, and
    /// a state that is not lowercase letters and hyphens once normalized is <c>unknown</c> (the remote agent's text, kept
    /// raw, would act on the terminal of whoever reads the run's story).
    /// </summary>
    public static A2aTaskState? StateOf(JsonElement result)
    {
        var inner = Unwrap(result);
        if (TaskIdOf(result) is not { } taskId
            || !inner.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object
            || !status.TryGetProperty("state", out var state) || state.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var normalized = Normalize(state.GetString()!);
        return new A2aTaskState(taskId, normalized.Length > 0 && normalized.All(static c => c is (>= 'a' and <= 'z') or '-') ? normalized : "unknown");
    }

    /// <summary>The longest task id a record keeps.</summary>
    public const int MaxRecordedIdLength = 256;

    /// <summary>A state in 0.3's words: 1.0's <c>TASK_STATE_INPUT_REQUIRED</c> is <c>input-required</c>; <c>cancelled</c> is <c>canceled</c>.</summary>
    public static string Normalize(string state)
    {
        var words = state.StartsWith("TASK_STATE_", StringComparison.Ordinal) ? state["TASK_STATE_".Length..] : state;
        words = words.Replace('_', '-').ToLowerInvariant();
        return words switch
        {
            "cancelled" => "canceled",
            "unspecified" => "unknown",
            _ when words.Length > 32 => words[..32],
            _ => words,
        };
    }

    /// <summary>
    /// The states of <paramref name="seen"/> that change a task's state, in order: a state repeated for the same task
    /// (a working update after a working update) is one state.
    /// </summary>
    public static List<A2aTaskState> Changes(IEnumerable<A2aTaskState> seen)
    {
        var last = new Dictionary<string, string>(StringComparer.Ordinal);
        var changes = new List<A2aTaskState>();
        foreach (var state in seen)
        {
            if (!last.TryGetValue(state.TaskId, out var before) || before != state.State)
            {
                last[state.TaskId] = state.State;
                changes.Add(state);
            }
        }

        return changes;
    }

    /// <summary>
    /// True for a task id the record may keep and a caller may own: at most <see cref="MaxRecordedIdLength"/> characters,
    /// and no control (C0, DEL, C1), format (bidi controls among them) or separator character.
    /// </summary>
    public static bool Recordable(string taskId) =>
        taskId.Length <= MaxRecordedIdLength && !taskId.EnumerateRunes().Any(static r => Rune.GetUnicodeCategory(r) is UnicodeCategory.Control
            or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);

    // The task id result names, as written.
    private static string? NamedTaskIdOf(JsonElement result)
    {
        var inner = Unwrap(result);
        if (inner.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (inner.TryGetProperty("status", out _) && inner.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            return id.GetString();
        }

        return inner.TryGetProperty("taskId", out var taskId) && taskId.ValueKind == JsonValueKind.String ? taskId.GetString() : null;
    }

    private static JsonElement Unwrap(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        foreach (var wrapper in (ReadOnlySpan<string>)["task", "message", "statusUpdate", "artifactUpdate"])
        {
            if (result.TryGetProperty(wrapper, out var inner) && inner.ValueKind == JsonValueKind.Object)
            {
                return inner;
            }
        }

        return result;
    }
}
