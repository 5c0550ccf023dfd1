namespace Gateway.Policy.Tokens;

/// <summary>What <see cref="DecisionTokenReader.Read"/> found: the payload of a token the gateway signed, or why not.</summary>
/// <param name="Payload">The payload; null when <paramref name="Failure"/> says why there is none.</param>
/// <param name="Failure"><see cref="MalformedReason"/> or <see cref="SignatureInvalidReason"/>; null when read.</param>
public sealed record DecisionTokenRead(DecisionTokenPayload? Payload, string? Failure)
{
    /// <summary>Not a decision token of this format (shape, encoding, length, payload).</summary>
    public const string MalformedReason = "malformed";

    /// <summary>Well formed, but not signed with this gateway's decision signing key.</summary>
    public const string SignatureInvalidReason = "signature_invalid";

    public static DecisionTokenRead Malformed { get; } = new(null, MalformedReason);

    public static DecisionTokenRead SignatureInvalid { get; } = new(null, SignatureInvalidReason);
}
