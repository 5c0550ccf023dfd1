using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>One link of an <see cref="ActorChain"/>: who it is and what kind of actor.</summary>
/// <param name="Kind">Person, registered agent or delegated child.</param>
/// <param name="Id">The person's subject, the agent's id or the child's id.</param>
public sealed record ActorLink(
    [property: JsonPropertyName("kind")] ActorKind Kind,
    [property: JsonPropertyName("id")] string Id)
{
    /// <summary>A delegated child's name, as its parent gave it; null for the other kinds.</summary>
    [JsonPropertyName("name")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    /// <summary>The run a delegated child was issued for, when its parent named one.</summary>
    [JsonPropertyName("run_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RunId { get; init; }
}
