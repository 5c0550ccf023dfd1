using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>What a run's limit caps (<see cref="RunLimits"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunLimitKind>))]
public enum RunLimitKind
{
    /// <summary>Governed actions the run may take.</summary>
    [JsonStringEnumMemberName("actions")]
    Actions,

    /// <summary>Model tokens (input and output) the run may use.</summary>
    [JsonStringEnumMemberName("tokens")]
    Tokens,

    /// <summary>What the run's model calls may cost, priced by the catalog (<see cref="ModelPricing"/>).</summary>
    [JsonStringEnumMemberName("cost")]
    Cost,

    /// <summary>How long after it started the run may act.</summary>
    [JsonStringEnumMemberName("duration")]
    Duration,
}
