using System.Text.Json;

namespace Gamut.Agent.Upstream;

/// <summary>
/// Reads the 200 answer of the gateway's <c>POST /v1/decision-tokens/verify</c> for a token whose claims verified
/// offline. Anything but the documented shape, or an answer about another token id, is <c>unexpected_answer</c>
/// (unavailable: never live).
/// </summary>
internal static class DecisionTokenVerifyAnswer
{
    private const int MaxReasonLength = 64;

    /// <param name="json">The answer's body.</param>
    /// <param name="claims">The claims of the token asked about.</param>
    /// <param name="consumed">True when the call asked to consume the token: live only with <c>"consumed": true</c> (a gateway that does not consume is never taken as having done so).</param>
    public static GatewayDecisionTokenVerification Read(ReadOnlySpan<byte> json, DecisionTokenPayload claims, bool consumed = false)
    {
        string? status;
        string? reason;
        string? tokenId;
        bool consumedHere;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Unexpected;
            }

            status = StringMember(root, "status");
            reason = StringMember(root, "reason");
            tokenId = StringMember(root, "token_id");
            consumedHere = root.TryGetProperty("consumed", out var member) && member.ValueKind == JsonValueKind.True;
        }
        catch (JsonException)
        {
            return Unexpected;
        }

        if (reason is not null && !IsReasonCode(reason))
        {
            return Unexpected;
        }

        return status switch
        {
            // The members about the token come only when the gateway verified the signature: they must name this token.
            "live" when reason is null && tokenId == claims.TokenId && (!consumed || consumedHere) => new(DecisionTokenStatus.Live, null, claims),
            "revoked" when reason is not null && tokenId == claims.TokenId => new(DecisionTokenStatus.Revoked, reason, claims),
            "expired" when tokenId == claims.TokenId => new(DecisionTokenStatus.Expired, reason ?? "expired", claims),
            "invalid" when reason is not null => new(DecisionTokenStatus.Invalid, reason, claims),
            _ => Unexpected,
        };
    }

    /// <summary>The unavailable answer for a body that is not the documented one.</summary>
    public static GatewayDecisionTokenVerification Unexpected { get; } = new(DecisionTokenStatus.Unavailable, "unexpected_answer", null);

    private static string? StringMember(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A snake_case code, so a reason can be logged by the executor without escaping.</summary>
    private static bool IsReasonCode(string reason) =>
        reason.Length is > 0 and <= MaxReasonLength && reason.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
