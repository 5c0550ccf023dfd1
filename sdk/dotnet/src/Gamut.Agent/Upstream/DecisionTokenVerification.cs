namespace Gamut.Agent.Upstream;

/// <summary>The outcome of verifying a decision token.</summary>
public sealed record DecisionTokenVerification
{
    public required DecisionTokenFailure Failure { get; init; }

    /// <summary>Set when the token verified.</summary>
    public DecisionTokenPayload? Payload { get; init; }

    public bool IsValid => Failure == DecisionTokenFailure.None;

    /// <summary>The stable reason code (<c>missing</c>, <c>malformed</c>, <c>bad_signature</c>, <c>expired</c>, <c>wrong_tenant</c>, ...).</summary>
    public string Reason => Failure switch
    {
        DecisionTokenFailure.None => "none",
        DecisionTokenFailure.Missing => "missing",
        DecisionTokenFailure.Malformed => "malformed",
        DecisionTokenFailure.UnsupportedVersion => "unsupported_version",
        DecisionTokenFailure.BadSignature => "bad_signature",
        DecisionTokenFailure.Expired => "expired",
        DecisionTokenFailure.NotYetValid => "not_yet_valid",
        DecisionTokenFailure.LifetimeTooLong => "lifetime_too_long",
        DecisionTokenFailure.WrongTenant => "wrong_tenant",
        DecisionTokenFailure.WrongTool => "wrong_tool",
        DecisionTokenFailure.WrongIntent => "wrong_intent",
        DecisionTokenFailure.DecisionNotAllowed => "decision_not_allowed",
        _ => throw new ArgumentOutOfRangeException(nameof(Failure), Failure, "Not a decision token failure."),
    };

    internal static DecisionTokenVerification Fail(DecisionTokenFailure failure) => new() { Failure = failure };
}
