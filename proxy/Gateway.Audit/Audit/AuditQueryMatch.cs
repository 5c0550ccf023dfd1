using System.Text;
using System.Text.Json;
using Gateway.Policy.Serialization;

namespace Gateway.Audit;

/// <summary>
/// An audit query's filter over stored lines, for a sink without an index of its own (the embedded sinks): the journal
/// walks each chain and keeps the lines this accepts.
/// </summary>
internal static class AuditQueryMatch
{
    /// <summary>
    /// Whether the stored <paramref name="line"/> of <paramref name="replica"/>'s chain is a record <paramref name="query"/>
    /// asks for (time range, agent, decision, tool, run, request id, past the cursor in the query's order); its cursor key and the record when it is.
    /// </summary>
    public static bool TryMatch(string line, string replica, AuditQuery query, out AuditCursor? key, out JsonElement record)
    {
        key = null;
        record = default;
        try
        {
            // A line that is not text (a string escaping a lone surrogate: no journal seals one) throws where its strings are read.
            var utf8 = Encoding.UTF8.GetBytes(line);
            if (!JsonText.IsText(utf8))
            {
                return false;
            }

            using var document = JsonDocument.Parse(utf8);
            var root = document.RootElement;
            // A line whose time or seq is not what it names (an edit: both are sealed; audit verify names it) matches nothing.
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("time", out var timeElement) || timeElement.ValueKind != JsonValueKind.String || !timeElement.TryGetDateTimeOffset(out var time)
                || !root.TryGetProperty("seq", out var seqElement) || seqElement.ValueKind != JsonValueKind.Number || !seqElement.TryGetInt64(out var seq))
            {
                return false;
            }

            key = new AuditCursor(time, replica, seq);
            if ((query.From is { } from && time < from) || (query.To is { } to && time >= to)
                || !Matches(root, "agent", query.Agent) || !Matches(root, "decision", query.Decision) || !Matches(root, "tool", query.Tool)
                || !Matches(root, "run_id", query.RunId)
                || (query.RequestId is { } requestId && !NamesRequest(root, requestId))
                || (query.After is { } after && (query.NewestFirst ? key.CompareTo(after) >= 0 : key.CompareTo(after) <= 0)))
            {
                return false;
            }

            record = root.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Matches(JsonElement root, string member, string? wanted) =>
        wanted is null || (root.TryGetProperty(member, out var value) && value.ValueKind == JsonValueKind.String && value.ValueEquals(wanted));

    // The record's own request id, one of a record of repeated refusals' request_ids, or one of a folded record's outcomes' or decisions'.
    private static bool NamesRequest(JsonElement root, string requestId)
    {
        if (Matches(root, "request_id", requestId))
        {
            return true;
        }

        if (root.TryGetProperty("request_ids", out var ids) && ids.ValueKind == JsonValueKind.Array)
        {
            foreach (var id in ids.EnumerateArray())
            {
                if (id.ValueKind == JsonValueKind.String && id.ValueEquals(requestId))
                {
                    return true;
                }
            }
        }

        return NamesRequestIn(root, "outcomes", requestId) || NamesRequestIn(root, "decisions", requestId);
    }

    // Whether one of the objects of the record's array member (folded outcomes or decisions) has the request id.
    private static bool NamesRequestIn(JsonElement root, string member, string requestId)
    {
        if (root.TryGetProperty(member, out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && Matches(item, "request_id", requestId))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
