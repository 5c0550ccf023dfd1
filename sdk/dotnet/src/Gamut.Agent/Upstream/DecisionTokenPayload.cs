using System.Text.Json.Serialization;

namespace Gamut.Agent.Upstream;

/// <summary>The payload of a decision token (agent protocol, "Decision tokens"); the JSON member names are in brackets.</summary>
/// <remarks>
/// The members from <paramref name="TenantGeneration"/> on are absent from tokens issued before revocable decision tokens;
/// such tokens still verify offline (the gateway's verify endpoint answers for them as it does for any other).
/// </remarks>
/// <param name="Tenant">Tenant slug (<c>tid</c>).</param>
/// <param name="Agent">Agent id (<c>aid</c>).</param>
/// <param name="Tool">The catalog entry the action calls (<c>tool</c>).</param>
/// <param name="IntentDigest">The intent digest the token authorises (<c>act</c>).</param>
/// <param name="Decision"><c>allow</c>, <c>allow_and_log</c> or <c>degrade</c> (<c>dec</c>).</param>
/// <param name="IssuedAt">Issued at, Unix seconds (<c>iat</c>).</param>
/// <param name="ExpiresAt">Expires at, Unix seconds, at most 300 s after <paramref name="IssuedAt"/> (<c>exp</c>).</param>
/// <param name="TokenId">Unique token id (<c>jti</c>).</param>
/// <param name="DegradeMode">For degrade, the reduced form the token is scoped to: <c>redact</c>, <c>read_only</c>, <c>dry_run</c>, <c>route</c> or <c>mask</c> (<c>deg</c>).</param>
/// <param name="TenantGeneration">The tenant's token generation the token was issued under, at least 0 (<c>tgn</c>).</param>
/// <param name="AgentGeneration">The agent's token generation the token was issued under, at least 0 (<c>agn</c>).</param>
/// <param name="PolicyDigest">The digest of the tenant policy the decision was made under (<c>pol</c>).</param>
/// <param name="RequestId">The request the decision was made for, i.e. its audit record (<c>rid</c>).</param>
/// <param name="ApprovalId">The approval whose warrant the decision redeemed, when it did (<c>apr</c>).</param>
/// <param name="Evaluation">True on a token from <c>POST /v1/evaluate</c>, which may be presented once on the action it evaluated (<c>evl</c>).</param>
public sealed record DecisionTokenPayload(
    [property: JsonPropertyName("tid")] string Tenant,
    [property: JsonPropertyName("aid")] string Agent,
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("act")] string IntentDigest,
    [property: JsonPropertyName("dec")] string Decision,
    [property: JsonPropertyName("iat")] long IssuedAt,
    [property: JsonPropertyName("exp")] long ExpiresAt,
    [property: JsonPropertyName("jti")] string TokenId,
    [property: JsonPropertyName("deg")] string? DegradeMode = null,
    [property: JsonPropertyName("tgn")] long? TenantGeneration = null,
    [property: JsonPropertyName("agn")] long? AgentGeneration = null,
    [property: JsonPropertyName("pol")] string? PolicyDigest = null,
    [property: JsonPropertyName("rid")] string? RequestId = null,
    [property: JsonPropertyName("apr")] string? ApprovalId = null,
    [property: JsonPropertyName("evl")] bool? Evaluation = null)
{
    /// <summary>True when the token came from <c>POST /v1/evaluate</c> (<c>evl</c>).</summary>
    [JsonIgnore]
    public bool IsEvaluation => Evaluation == true;
}
