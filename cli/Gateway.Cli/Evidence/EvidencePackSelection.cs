using System.Globalization;
using System.Text.Json;

namespace Gateway.Cli.Evidence;

/// <summary>
/// A pack's selection as its signed manifest states it, which must be one <c>evidence export</c> writes (<see cref="Malformed"/>:
/// <c>from</c> and <c>to</c>, or exactly one of <c>request_id</c>, <c>run_id</c>, <c>approval_id</c>, <c>incident_id</c>), and
/// whether a pack's record is one it selects: the same <c>run_id</c> or <c>request_id</c>, or a <c>time</c> in
/// <c>[from, to)</c> (a folded record names the ids of each request it stands for). A record proven in the log but of another
/// selection was inserted into the pack. An approval's or incident's records are of one agent and tool (<see cref="CheckShared"/>).
/// </summary>
internal static class EvidencePackSelection
{
    /// <summary>The members a selection may have: the two bounds of a time range, or one of the ids.</summary>
    public static readonly string[] Members = ["from", "to", "request_id", "run_id", "approval_id", "incident_id"];

    private static readonly string[] Folded = ["outcomes", "decisions"];

    /// <summary>
    /// Null when <paramref name="selection"/> is one the exporter writes: an object of exactly <c>from</c> and <c>to</c>, both
    /// times, or of exactly one id, a non-empty string; otherwise why not (a manifest signed again with its selection removed
    /// or changed would otherwise turn the selection's checks off).
    /// </summary>
    public static string? Malformed(JsonElement selection)
    {
        if (selection.ValueKind != JsonValueKind.Object)
        {
            return selection.ValueKind == JsonValueKind.Undefined ? "is missing" : $"is {selection.GetRawText()}, not an object";
        }

        var names = selection.EnumerateObject().Select(static m => m.Name).Order(StringComparer.Ordinal).ToList();
        var form = names is ["from", "to"] || (names is [var id] && Members.AsSpan(2).Contains(id));
        if (!form || selection.EnumerateObject().Any(static m => m.Value.ValueKind != JsonValueKind.String || m.Value.GetString() is not { Length: > 0 }))
        {
            return $"is {Describe(selection)}: not one evidence export writes (from and to, or exactly one of request_id, run_id, approval_id, incident_id, each a non-empty string)";
        }

        return names is ["from", "to"] && (Time(selection, "from") is null || Time(selection, "to") is null)
            ? $"is {Describe(selection)}: from and to are not both times"
            : null;
    }

    /// <summary>The selection as <c>name=value</c> pairs in the manifest's order (<c>none</c> when there is none).</summary>
    public static string Describe(JsonElement selection) => selection.ValueKind switch
    {
        JsonValueKind.Undefined => "none",
        JsonValueKind.Object when selection.EnumerateObject().Any() => string.Join(' ', selection.EnumerateObject()
            .Select(static m => m.Name + "=" + (m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString() : m.Value.GetRawText()))),
        _ => selection.GetRawText(),
    };

    /// <summary>
    /// The selection <paramref name="expected"/> (<c>name=value</c> each, as <c>--expect-selection</c> takes them), its times
    /// in UTC as the exporter writes them; null and <paramref name="error"/> set when it is no selection the exporter writes.
    /// </summary>
    public static Dictionary<string, string>? ParseExpected(IReadOnlyList<string> expected, out string? error)
    {
        var selection = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in expected)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = at < 0 ? (pair, string.Empty) : (pair[..at], pair[(at + 1)..]);
            if (!Members.Contains(name) || !selection.TryAdd(name, value))
            {
                error = $"--expect-selection {pair}: a name=value of a selection's members ({string.Join(", ", Members)}), each once";
                return null;
            }

            if (name is "from" or "to")
            {
                if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                {
                    error = $"--expect-selection {pair}: {name} must be a time (2026-12-01T09:00:00Z; a time without an offset is UTC)";
                    return null;
                }

                selection[name] = time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
            }
        }

        error = Malformed(JsonSerializer.SerializeToElement(selection)) is { } why ? "--expect-selection " + why : null;
        return error is null ? selection : null;
    }

    /// <summary>Null when the pack's <paramref name="selection"/> is <paramref name="expected"/> (times as instants); otherwise the <c>selection_mismatch</c> problem.</summary>
    public static string? Mismatch(JsonElement selection, IReadOnlyDictionary<string, string> expected)
    {
        var same = selection.ValueKind == JsonValueKind.Object
            && selection.EnumerateObject().Count() == expected.Count
            && expected.All(e => e.Key is "from" or "to"
                ? Time(selection, e.Key) is { } time && DateTimeOffset.TryParse(e.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var wanted) && time == wanted
                : Text(selection, e.Key) == e.Value);
        return same ? null : $"selection_mismatch: the pack selects {Describe(selection)}, you expected {string.Join(' ', expected.Select(static e => e.Key + "=" + e.Value))}";
    }

    /// <summary>Null when <paramref name="record"/> fits <paramref name="selection"/> (the manifest's); otherwise why not.</summary>
    public static string? Outside(JsonElement selection, JsonElement record)
    {
        if (selection.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var member in (ReadOnlySpan<string>)["run_id", "request_id"])
        {
            if (Text(selection, member) is { } selected && !Names(record, member, selected))
            {
                return $"has {member} {Text(record, member) ?? "none"}, the pack selects {selected}";
            }
        }

        if (Text(selection, "from") is not null || Text(selection, "to") is not null)
        {
            // A selection whose times cannot be read is no selection to check against: the pack is not verified.
            if (Time(selection, "from") is not { } from || Time(selection, "to") is not { } to)
            {
                return $"cannot be checked against the pack's selection [{Text(selection, "from")}, {Text(selection, "to")}), which is no time range";
            }

            if (Time(record, "time") is not { } time || time < from || time >= to)
            {
                return $"has time {Text(record, "time") ?? "none"}, outside the pack's selection [{Text(selection, "from")}, {Text(selection, "to")})";
            }
        }

        return null;
    }

    /// <summary>
    /// For a time-range selection, the records of a chain between two records the pack proves that the pack does not prove
    /// (<c>record_gap</c>, naming the chain and the seqs): a chain's times never go back along its seqs (approvals-and-audit.md,
    /// "The chains"), so every record between two of one chain in <c>[from, to)</c> is in the range too. Nothing for the other
    /// selections, whose records sit among other records of the same chain.
    /// </summary>
    public static void CheckGaps(JsonElement selection, IEnumerable<(string Replica, long Seq)> proven, List<string> problems)
    {
        if (selection.ValueKind != JsonValueKind.Object || Time(selection, "from") is not { } from || Time(selection, "to") is not { } to)
        {
            return;
        }

        foreach (var chain in proven.GroupBy(static p => p.Replica, StringComparer.Ordinal).OrderBy(static c => c.Key, StringComparer.Ordinal))
        {
            long? previous = null;
            foreach (var seq in chain.Select(static p => p.Seq).Order())
            {
                if (previous is { } before && seq > before + 1)
                {
                    var missing = seq == before + 2 ? $"seq {before + 1} is" : $"seq {before + 1}..{seq - 1} are";
                    problems.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"record_gap: replica {chain.Key} {missing} not in the pack, between its records {before} and {seq} of the selection [{from:O}, {to:O}): a chain's times never go back, so they are in it too (a record left out)"));
                }

                previous = seq;
            }
        }
    }

    /// <summary>
    /// For an approval or incident selection, the proven records not all of one <c>agent</c> and <c>tool</c>, or (those not
    /// naming the approval's id) of one <c>intent_digest</c> (<c>record_outside_selection</c>): the exporter selects the
    /// approval's or incident's agent and tool, and its intent digest (or, for an approval, its id), so another's record was inserted.
    /// </summary>
    public static void CheckShared(JsonElement selection, IEnumerable<KeyValuePair<(string Replica, long Seq), JsonElement>> proven, List<string> problems)
    {
        var approval = selection.ValueKind == JsonValueKind.Object ? Text(selection, "approval_id") : null;
        var kind = approval is not null ? "approval" : selection.ValueKind == JsonValueKind.Object && Text(selection, "incident_id") is not null ? "incident" : null;
        if (kind is null)
        {
            return;
        }

        (string Where, string? Agent, string? Tool)? first = null;
        (string Where, string? Intent)? intent = null;
        foreach (var ((replica, seq), line) in proven.OrderBy(static p => p.Key.Replica, StringComparer.Ordinal).ThenBy(static p => p.Key.Seq))
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"replica {replica} seq {seq}");
            first ??= (where, Text(line, "agent"), Text(line, "tool"));
            if (Text(line, "agent") != first.Value.Agent || Text(line, "tool") != first.Value.Tool)
            {
                problems.Add($"record_outside_selection: {where} has agent {Text(line, "agent") ?? "none"} tool {Text(line, "tool") ?? "none"}, {first.Value.Where} agent {first.Value.Agent ?? "none"} tool {first.Value.Tool ?? "none"}: an {kind}'s records are of one agent and tool");
            }

            if (approval is not null && Text(line, "approval_id") == approval)
            {
                continue;
            }

            intent ??= (where, Text(line, "intent_digest"));
            if (Text(line, "intent_digest") != intent.Value.Intent)
            {
                problems.Add($"record_outside_selection: {where} has intent_digest {Text(line, "intent_digest") ?? "none"}, {intent.Value.Where} {intent.Value.Intent ?? "none"}: an {kind}'s records {(approval is null ? string.Empty : "not naming it ")}are of one intent");
            }
        }
    }

    // A record names a value as its own member, in the plural array (request_ids of folded refusals), or in one of its
    // folded outcomes or decisions (approvals-and-audit.md: a record standing for several requests names each of them).
    private static bool Names(JsonElement record, string member, string value) =>
        Text(record, member) == value
        || (record.TryGetProperty(member + "s", out var plural) && plural.ValueKind == JsonValueKind.Array && plural.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.String && v.GetString() == value))
        || Folded.Any(folded => record.TryGetProperty(folded, out var items) && items.ValueKind == JsonValueKind.Array
            && items.EnumerateArray().Any(item => item.ValueKind == JsonValueKind.Object && Text(item, member) == value));

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time) ? time : null;
}
