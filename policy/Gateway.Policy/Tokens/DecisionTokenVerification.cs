namespace Gateway.Policy.Tokens;

/// <summary>The outcome of verifying a decision token.</summary>
public sealed record DecisionTokenVerification
{
    public required DecisionTokenFailure Failure { get; init; }

    /// <summary>Set when the token verified.</summary>
    public DecisionTokenPayload? Payload { get; init; }

    public bool IsValid => Failure == DecisionTokenFailure.None;

    /// <summary>The stable reason code (<c>missing</c>, <c>malformed</c>, <c>bad_signature</c>, <c>expired</c>, <c>wrong_tenant</c>, ...).</summary>
    public string Reason => WireNames.Of(Failure);

    internal static DecisionTokenVerification Fail(DecisionTokenFailure failure) => new() { Failure = failure };
}
