using System.Text.Json;
using Gateway.Policy;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;

namespace Gateway.Proxy.Respond;

/// <summary>
/// The members a governed action's answer carries for a workspace (extensions an old client ignores): after a
/// writeback, <c>written</c> (the scope, the item's name and the data classes the gateway labelled it with), or, when the
/// writeback was degraded to <c>dry_run</c> (the store told not to commit), the same members as <c>dry_run</c> and no
/// <c>written</c>; after a read of a workspace store that withheld any, <c>withheld</c> (the items not returned, counted by their classes, with the decision reading
/// them gets and what would change it; items reading them is blocked are left out of it). The outcome's audit record counts the withheld items as <c>withheld_item</c>.
/// </summary>
internal static class WorkspaceResponseMembers
{
    /// <summary>The audit record's count of withheld items (beside the redactions, by kind).</summary>
    public const string WithheldItemCount = "withheld_item";

    /// <summary>The members for this answer, or null when it has none.</summary>
    public static Action<Utf8JsonWriter>? For(DescribedAction described, GovernedDecision governed, UpstreamResponse response)
    {
        if (described.WritesItem && governed.Decision.Descriptor is { } descriptor)
        {
            var name = described.Request.Args.GetProperty("name").GetString()!;

            // Under a dry_run degrade the store was told not to commit (X-Gamut-Dry-Run): nothing says it was written.
            var notCommitted = governed.Degrade?.Mode == DegradeMode.DryRun;
            return writer =>
            {
                writer.WriteStartObject(notCommitted ? "dry_run"u8 : "written"u8);
                writer.WriteString("scope"u8, descriptor.Tool);
                writer.WriteString("name"u8, name);
                WriteClasses(writer, descriptor.DataClasses);
                writer.WriteEndObject();
            };
        }

        // Items reading them is blocked are not named to the reader at all (only the audit record counts them): their count,
        // or a group of them, would say by query whether such an item's content matches what the reader cannot read.
        if (response.Withheld?.Where(static w => w.Decision != DecisionKind.Block).ToArray() is not { Length: > 0 } withheld)
        {
            return null;
        }

        return writer =>
        {
            writer.WriteStartArray("withheld"u8);
            foreach (var group in withheld)
            {
                writer.WriteStartObject();
                writer.WriteString("reason"u8, group.Reason);
                WriteClasses(writer, group.DataClasses);
                writer.WriteNumber("items"u8, group.Items);
                if (group.Decision is { } decision)
                {
                    writer.WriteString("decision"u8, WireNames.Of(decision));
                }

                writer.WriteStartArray("what_would_change"u8);
                foreach (var remedy in group.WhatWouldChange)
                {
                    writer.WriteStringValue(remedy);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        };
    }

    /// <summary>The redaction counts of the outcome's record, with the withheld items counted beside them.</summary>
    public static IReadOnlyDictionary<string, int> Counts(IReadOnlyDictionary<string, int> redactions, UpstreamResponse response)
    {
        var withheld = response.Withheld?.Sum(static w => w.Items) ?? 0;
        if (withheld == 0)
        {
            return redactions;
        }

        return new SortedDictionary<string, int>(redactions.ToDictionary(), StringComparer.Ordinal) { [WithheldItemCount] = withheld };
    }

    private static void WriteClasses(Utf8JsonWriter writer, DataClassSet classes)
    {
        writer.WriteStartArray("data_classes"u8);
        foreach (var dataClass in DataClassSets.ToList(classes))
        {
            writer.WriteStringValue(WireNames.Of(dataClass));
        }

        writer.WriteEndArray();
    }
}
