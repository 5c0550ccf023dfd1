using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// The body of <c>/v1/evaluate</c> and <c>/v1/actions/invoke-tool</c> (agent-protocol). Deserialise it with
/// <see cref="Serialization.PolicyJsonContext"/> (unknown members are refused).
/// </summary>
public sealed record ActionRequest
{
    [JsonPropertyName("tool")]
    public required string Tool { get; init; }

    /// <summary>The tool's arguments (a JSON object), or undefined when absent.</summary>
    [JsonPropertyName("args")]
    public JsonElement Args { get; init; }

    [JsonPropertyName("targets")]
    public IReadOnlyList<ActionTarget>? Targets { get; init; }

    /// <summary>Classes the request declares; they widen the catalog's, never narrow them.</summary>
    [JsonPropertyName("data_classes")]
    public IReadOnlyList<DataClass>? DataClasses { get; init; }

    [JsonPropertyName("provenance")]
    public IReadOnlyList<ProvenanceEntry>? Provenance { get; init; }

    /// <summary>An approval warrant; verified by the host, which then calls <see cref="Decision.WithWarrant"/>.</summary>
    [JsonPropertyName("warrant")]
    public string? Warrant { get; init; }

    /// <summary>Evaluate in shadow mode: report what would happen, enforce nothing.</summary>
    [JsonPropertyName("simulate")]
    public bool Simulate { get; init; }

    // Not a property: the serializer would then know the member name and skip it on the wire instead of refusing it.
    private ActionType? _actionType;

    /// <summary>
    /// The action type of what the route does with the entry, when it is not the entry's own: a writeback is a
    /// <c>write</c> on a <c>context</c> entry (<see cref="WithActionType"/>). Null: the catalog entry's. Set by the host,
    /// never read from the wire (a body naming <c>action_type</c> is refused like any unknown member).
    /// </summary>
    public ActionType? RouteActionType() => _actionType;

    /// <summary>This request as an action of <paramref name="actionType"/> on its entry (see <see cref="RouteActionType"/>).</summary>
    public ActionRequest WithActionType(ActionType actionType)
    {
        var copy = this with { };
        copy._actionType = actionType;
        return copy;
    }
}
