using System.Text.Json;

namespace Gateway.Policy.Evidence;

/// <summary>One link of a receipt's actor chain, as the audit record's <c>actor_chain</c> has it: kind, id, and a delegate's name and run.</summary>
public sealed record ReceiptActor(string Kind, string Id, string? Name = null, string? RunId = null)
{
    /// <summary>The link of a decision's actor chain.</summary>
    public static ReceiptActor Of(ActorLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        return new(WireNames.Of(link.Kind), link.Id, link.Name, link.RunId);
    }

    internal void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id", Id);
        json.WriteString("kind", Kind);
        DecisionReceipt.WriteOptional(json, "name", Name);
        DecisionReceipt.WriteOptional(json, "run_id", RunId);
        json.WriteEndObject();
    }

    internal static ReceiptActor? Read(JsonElement item) =>
        EvidenceToken.Text(item, "kind") is { } kind && EvidenceToken.Text(item, "id") is { } id
            ? new ReceiptActor(kind, id, EvidenceToken.Text(item, "name"), EvidenceToken.Text(item, "run_id"))
            : null;
}
