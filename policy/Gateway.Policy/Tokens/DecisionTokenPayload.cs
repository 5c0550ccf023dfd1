using System.Text.Json.Serialization;

namespace Gateway.Policy.Tokens;

/// <summary>
/// The payload of a decision token (agent-protocol "Decision tokens", extended: docs/decision-tokens.md). A claim this
/// version does not know is skipped when reading, as every verifier must: a newer replica may add claims during an
/// upgrade, and the signature covers them all.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
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

    /// <summary>
    /// The name of the store record the token's state lives in: its request's nonce record (the agent, then the nonce);
    /// absent in a token recorded by its id (<see cref="TokenId"/>).
    /// </summary>
    [JsonPropertyName("rec")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Record { get; init; }

    /// <summary>For degrade: the reduced form the token is scoped to.</summary>
    [JsonPropertyName("deg")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DegradeMode? DegradeMode { get; init; }

    /// <summary>The tenant's token generation the token was issued under (0 in a token that predates it).</summary>
    [JsonPropertyName("tgn")]
    public long TenantGeneration { get; init; }

    /// <summary>The agent's token generation the token was issued under (0 in a token that predates it).</summary>
    [JsonPropertyName("agn")]
    public long AgentGeneration { get; init; }

    /// <summary>The digest of the tenant's policy the decision was made under.</summary>
    [JsonPropertyName("pol")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PolicyDigest { get; init; }

    /// <summary>The id of the request the decision was made for (its audit record).</summary>
    [JsonPropertyName("rid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RequestId { get; init; }

    /// <summary>The approval whose warrant the decision redeemed, when it did.</summary>
    [JsonPropertyName("apr")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApprovalId { get; init; }

    /// <summary>True on a token from <c>/v1/evaluate</c>: it may be presented once on the action it evaluated.</summary>
    [JsonPropertyName("evl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Evaluation { get; init; }

    /// <summary>
    /// The actor chain (person → agent → child → …) when it says more than <see cref="Agent"/> alone; then
    /// <see cref="Agent"/> is its last link and the chain's registered agent is the one whose token generation
    /// (<see cref="AgentGeneration"/>) the token was issued under.
    /// </summary>
    [JsonPropertyName("chn")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ActorLink>? ActorChain { get; init; }

    /// <summary>The run the decision was made in (<c>X-Gamut-Run</c>, or a delegated child's grant), when it was made in one.</summary>
    [JsonPropertyName("run")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Run { get; init; }

    /// <summary>The agent whose token generation governs the token: the chain's registered agent, else <see cref="Agent"/>.</summary>
    [JsonIgnore]
    public string GenerationAgent
    {
        get
        {
            if (ActorChain is { } links)
            {
                foreach (var link in links)
                {
                    if (link.Kind == ActorKind.Agent)
                    {
                        return link.Id;
                    }
                }
            }

            return Agent;
        }
    }
}
