using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>What one link of an <see cref="ActorChain"/> is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActorKind>))]
public enum ActorKind
{
    /// <summary>The person an agent acts for (only ever the chain's first link).</summary>
    [JsonStringEnumMemberName("person")]
    Person,

    /// <summary>An agent registered in the tenant's bundle.</summary>
    [JsonStringEnumMemberName("agent")]
    Agent,

    /// <summary>A delegated child identity, issued by the link before it (<c>POST /v1/delegations</c>).</summary>
    [JsonStringEnumMemberName("delegate")]
    Delegate,
}
