using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The gateway's own environment setting, per tenant.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeploymentEnvironment>))]
public enum DeploymentEnvironment
{
    [JsonStringEnumMemberName("dev")]
    Dev,

    [JsonStringEnumMemberName("staging")]
    Staging,

    [JsonStringEnumMemberName("prod")]
    Prod,
}
