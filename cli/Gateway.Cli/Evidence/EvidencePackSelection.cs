using System.Text.Json;

namespace Gateway.Cli.Evidence;

/// <summary>
/// Whether a pack's record is one its signed manifest says was selected: the same <c>run_id</c> or <c>request_id</c>, or a
/// <c>time</c> in <c>[from, to)</c> (a folded record names the ids of each request it stands for). A record proven in the log but of another selection was inserted into the pack. The
/// approval and incident selections match on several members (docs/evidence.md) and are not re-checked here.
/// </summary>
internal static class EvidencePackSelection
{
    private static readonly string[] Folded = ["outcomes", "decisions"];

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
