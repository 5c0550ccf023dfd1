namespace Gamut.Agent.Upstream;

/// <summary>Why a decision token was refused (<see cref="DecisionTokenVerification.Reason"/> is its snake_case code).</summary>
public enum DecisionTokenFailure
{
    None,
    Missing,
    Malformed,
    UnsupportedVersion,
    BadSignature,
    Expired,
    NotYetValid,
    LifetimeTooLong,
    WrongTenant,
    WrongTool,
    WrongIntent,
    DecisionNotAllowed,
}
