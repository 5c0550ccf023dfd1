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
