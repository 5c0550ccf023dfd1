using System.Text.Json.Nodes;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// One server-sent event, redacted on its own and parsed, waiting in <see cref="SplitValueHoldback"/>:
/// its non-data fields (already redacted), where its <c>data:</c> lines go among them, and the data as a
/// JSON tree or as text, which the hold-back may still edit.
/// </summary>
internal sealed class HeldEvent(IReadOnlyList<string> fields, int dataIndex, JsonNode? json, string? text, bool terminated)
{
    public IReadOnlyList<string> Fields { get; } = fields;

    /// <summary>The position among <see cref="Fields"/> where the data lines are written; -1 when there are none.</summary>
    public int DataIndex { get; } = dataIndex;

    public JsonNode? Json { get; } = json;

    public string? Text { get; set; } = text;

    public bool Terminated { get; } = terminated;
}
