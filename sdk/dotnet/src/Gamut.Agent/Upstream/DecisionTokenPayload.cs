using System.Text.Json.Serialization;

namespace Gamut.Agent.Upstream;

/// <summary>The payload of a decision token (agent protocol, "Decision tokens"); the JSON member names are in brackets.</summary>
/// <param name="Tenant">Tenant slug (<c>tid</c>).</param>
/// <param name="Agent">Agent id (<c>aid</c>).</param>
/// <param name="Tool">The catalog entry the action calls (<c>tool</c>).</param>
/// <param name="IntentDigest">The intent digest the token authorises (<c>act</c>).</param>
/// <param name="Decision"><c>allow</c>, <c>allow_and_log</c> or <c>degrade</c> (<c>dec</c>).</param>
/// <param name="IssuedAt">Issued at, Unix seconds (<c>iat</c>).</param>
/// <param name="ExpiresAt">Expires at, Unix seconds, at most 300 s after <paramref name="IssuedAt"/> (<c>exp</c>).</param>
/// <param name="TokenId">Unique token id (<c>jti</c>).</param>
/// <param name="DegradeMode">For degrade, the reduced form the token is scoped to: <c>redact</c>, <c>read_only</c>, <c>dry_run</c>, <c>route</c> or <c>mask</c> (<c>deg</c>).</param>
public sealed record DecisionTokenPayload(
    [property: JsonPropertyName("tid")] string Tenant,
    [property: JsonPropertyName("aid")] string Agent,
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("act")] string IntentDigest,
    [property: JsonPropertyName("dec")] string Decision,
    [property: JsonPropertyName("iat")] long IssuedAt,
    [property: JsonPropertyName("exp")] long ExpiresAt,
    [property: JsonPropertyName("jti")] string TokenId,
    [property: JsonPropertyName("deg")] string? DegradeMode = null);
