using System.Globalization;
using System.Text.Json;

namespace Gateway.Cli.Evidence;

/// <summary>
/// Fills the gaps a time-range export's paged audit query can leave: a record of chain B that became visible after a page
/// was read, with a time before that page's last record, is on no page while B's next record is on a later one. A chain's
/// times never go back along its seqs, so every record between two selected records of a chain is in the range
/// (<see cref="EvidencePackSelection.CheckGaps"/>): each is read by chain and seq (<c>GET …/audit?replica=&amp;start=&amp;limit=</c>)
/// and added; one that cannot be read, or is not in the range, is named (<c>record_gap</c>) and no pack is written.
/// </summary>
internal static class EvidenceExportGaps
{
    private const int MaxPage = 1000;

    // Retention may retire records between reads, shifting a chain's positions: re-aimed this many times at most.
    private const int Tries = 3;

    /// <summary>
    /// Adds to <paramref name="records"/> (then ordered by time, replica, seq) every missing record between two of one chain;
    /// null when none is missing, else the <c>record_gap</c> message naming each chain and seq that could not be added.
    /// </summary>
    public static async Task<string?> FillAsync(
        Func<HttpMethod, string, string?, Task<JsonElement>> send, string audit, DateTimeOffset from, DateTimeOffset to, List<JsonElement> records,
        Func<string, Task<long>> retiredThrough)
    {
        var problems = new List<string>();
        var added = false;
        foreach (var chain in records.GroupBy(static r => r.GetProperty("replica").GetString()!, StringComparer.Ordinal).OrderBy(static c => c.Key, StringComparer.Ordinal).ToList())
        {
            var replica = chain.Key;
            var missing = Missing([.. chain.Select(static r => r.GetProperty("seq").GetInt64())]);
            if (missing.Count == 0)
            {
                continue;
            }

            var retired = await retiredThrough(Uri.EscapeDataString(replica));
            foreach (var (first, last) in missing)
            {
                for (var start = first; start <= last; start += MaxPage)
                {
                    var end = Math.Min(last, start + MaxPage - 1);
                    var found = await ReadAsync(send, audit, replica, start, end, retired);
                    for (var seq = start; seq <= end; seq++)
                    {
                        if (!found.TryGetValue(seq, out var record))
                        {
                            problems.Add(Gap(replica, seq, from, to, "could not be read from the gateway"));
                        }
                        else if (Time(record) is not { } time || time < from || time >= to)
                        {
                            problems.Add(Gap(replica, seq, from, to, $"has time {(record.TryGetProperty("time", out var t) ? t.ToString() : "none")}, outside the range"));
                        }
                        else
                        {
                            records.Add(record);
                            added = true;
                        }
                    }
                }
            }
        }

        if (added)
        {
            // The query's order (time, replica, seq), which the pack's records.jsonl keeps.
            var ordered = records.OrderBy(static r => Time(r) ?? DateTimeOffset.MinValue).ThenBy(static r => r.GetProperty("replica").GetString(), StringComparer.Ordinal)
                .ThenBy(static r => r.GetProperty("seq").GetInt64()).ToList();
            records.Clear();
            records.AddRange(ordered);
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    // The runs of seqs between the lowest and highest of one chain's selected records that are not among them.
    private static List<(long First, long Last)> Missing(long[] seqs)
    {
        Array.Sort(seqs);
        var runs = new List<(long, long)>();
        for (var i = 1; i < seqs.Length; i++)
        {
            if (seqs[i] > seqs[i - 1] + 1)
            {
                runs.Add((seqs[i - 1] + 1, seqs[i] - 1));
            }
        }

        return runs;
    }

    // The chain's records first..last by seq: the list answers by position among the stored records (seq − 1 − retired),
    // re-aimed when retention moved the chain since it was asked.
    private static async Task<Dictionary<long, JsonElement>> ReadAsync(
        Func<HttpMethod, string, string?, Task<JsonElement>> send, string audit, string replica, long first, long last, long retired)
    {
        var found = new Dictionary<long, JsonElement>();
        var position = first - 1 - retired;
        for (var attempt = 0; attempt < Tries && position >= 0; attempt++)
        {
            var page = await send(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture,
                $"{audit.TrimEnd('/')}?replica={Uri.EscapeDataString(replica)}&start={position}&limit={last - first + 1}"), null);
            var records = page.GetProperty("records").EnumerateArray()
                .Where(static r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("seq", out var s) && s.ValueKind == JsonValueKind.Number)
                .ToList();
            foreach (var record in records.Where(r => Text(r, "replica") == replica && r.GetProperty("seq").GetInt64() is var seq && seq >= first && seq <= last))
            {
                found[record.GetProperty("seq").GetInt64()] = record.Clone();
            }

            if (records.Count == 0 || records[0].GetProperty("seq").GetInt64() == first)
            {
                break;
            }

            position += first - records[0].GetProperty("seq").GetInt64();
        }

        return found;
    }

    private static string Gap(string replica, long seq, DateTimeOffset from, DateTimeOffset to, string why) =>
        string.Create(CultureInfo.InvariantCulture,
            $"record_gap: replica {replica} seq {seq} lies between two records of the selection [{from:O}, {to:O}) but {why}; the pack would not verify, so none was written (export again)");

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement record) =>
        record.TryGetProperty("time", out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time) ? time : null;
}
