using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Policy;
using Gateway.Policy.Serialization;

namespace Gateway.Connectors.Workspace;

/// <summary>
/// A workspace store's answer to a read (<c>GET ?scope=&amp;query=</c>): a JSON object whose <c>items</c> array holds the
/// items (each an object, with the <c>data_classes</c> the gateway labelled it with when it was written), beside any
/// other members of the store's. <see cref="Filter"/> keeps the items a read may receive and counts the others; an item
/// without <c>data_classes</c> carries only the connector's own classes (as any pack content does), and one whose
/// <c>data_classes</c> cannot be read is withheld.
/// </summary>
public static class WorkspacePack
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The pack with only the items <paramref name="clear"/> returns (asked once per distinct set of item classes), and
    /// what was withheld; null when <paramref name="utf8Json"/> is not a workspace pack (not JSON, duplicate member
    /// names, a string that is not text, or no <c>items</c> array), which the caller refuses rather than passes.
    /// </summary>
    public static WorkspacePackResult? Filter(ReadOnlyMemory<byte> utf8Json, Func<DataClassSet, WorkspaceItemVerdict> clear)
    {
        ArgumentNullException.ThrowIfNull(clear);
        JsonElement root;
        try
        {
            // Duplicate member names are refused (two parsers could read two different packs from one body), and so is a
            // string that is not text (JsonText), which no item's classes could be read from.
            root = JsonText.ParseStrict(utf8Json.Span);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("items"u8, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var verdicts = new Dictionary<DataClassSet, WorkspaceItemVerdict>();
        var withheld = new Dictionary<(string Reason, DataClassSet Classes), (int Count, WorkspaceItemVerdict? Verdict)>();
        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length);
        var returned = 0;
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var member in root.EnumerateObject())
            {
                if (!member.NameEquals("items"u8))
                {
                    member.WriteTo(writer);
                    continue;
                }

                writer.WriteStartArray("items"u8);
                foreach (var item in items.EnumerateArray())
                {
                    if (LabelsOf(item) is not { } labels)
                    {
                        Count(withheld, (WithheldItems.UnreadableDataClasses, DataClassSet.None), null);
                        continue;
                    }

                    if (!verdicts.TryGetValue(labels, out var verdict))
                    {
                        verdict = clear(labels);
                        verdicts.Add(labels, verdict);
                    }

                    if (!verdict.Returned)
                    {
                        Count(withheld, (WithheldItems.Policy, labels), verdict);
                        continue;
                    }

                    item.WriteTo(writer);
                    returned++;
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return new WorkspacePackResult(
            buffer.WrittenSpan.ToArray(),
            returned,
            [.. withheld.Select(static w => new WithheldItems(w.Key.Reason, w.Key.Classes, w.Value.Count, w.Value.Verdict?.Decision, w.Value.Verdict?.WhatWouldChange ?? []))]);
    }

    /// <summary>The classes an item was labelled with: none when it carries no <c>data_classes</c>; null when they cannot be read.</summary>
    private static DataClassSet? LabelsOf(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("data_classes"u8, out var labels))
        {
            return DataClassSet.None;
        }

        if (labels.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var set = DataClassSet.None;
        foreach (var label in labels.EnumerateArray())
        {
            if (label.ValueKind != JsonValueKind.String || !WireNames.TryParse<DataClass>(label.GetString(), out var dataClass))
            {
                return null;
            }

            set |= dataClass.ToSet();
        }

        return set;
    }

    private static void Count(Dictionary<(string, DataClassSet), (int Count, WorkspaceItemVerdict? Verdict)> withheld, (string, DataClassSet) key, WorkspaceItemVerdict? verdict) =>
        withheld[key] = withheld.TryGetValue(key, out var seen) ? (seen.Count + 1, verdict) : (1, verdict);
}
