using System.Text.Json.Serialization;

namespace Gateway.Policy.Tokens;

/// <summary>The payload of a decision token (agent-protocol "Decision tokens").</summary>
public sealed record DecisionTokenPayload
{
    /// <summary>Tenant slug.</summary>
    [JsonPropertyName("tid")]
    public required string Tenant { get; init; }

    /// <summary>Agent id.</summary>
    [JsonPropertyName("aid")]
    public required string Agent { get; init; }

    [JsonPropertyName("tool")]
    public required string Tool { get; init; }

    /// <summary>The intent digest the token authorises.</summary>
    [JsonPropertyName("act")]
    public required string IntentDigest { get; init; }

    [JsonPropertyName("dec")]
    public required DecisionKind Decision { get; init; }

    /// <summary>Issued at, Unix seconds.</summary>
    [JsonPropertyName("iat")]
    public required long IssuedAt { get; init; }

    /// <summary>Expires at, Unix seconds (at most 300 s after <see cref="IssuedAt"/>).</summary>
    [JsonPropertyName("exp")]
    public required long ExpiresAt { get; init; }

    /// <summary>Unique token id.</summary>
    [JsonPropertyName("jti")]
    public required string TokenId { get; init; }

    /// <summary>For degrade: the reduced form the token is scoped to.</summary>
    [JsonPropertyName("deg")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DegradeMode? DegradeMode { get; init; }
}
