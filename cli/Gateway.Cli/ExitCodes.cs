namespace Gateway.Cli;

/// <summary>
/// <c>gatewayctl</c>'s exit codes, stable for scripts and CI (documented in docs/cli.md). 0, 2–6 are the policy-as-code
/// contract shared with other agent gateways; 1 and 7 are the admin API's own outcomes.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The gateway refused the call; the problem's <c>code</c> is printed.</summary>
    public const int ApiError = 1;

    /// <summary>A verification failed: a broken audit chain, an analyze expectation, <c>fmt --check</c>, a doctor finding, a decision token not live.</summary>
    public const int VerificationFailed = 2;

    /// <summary>The evaluated decision is block or block_and_open_incident.</summary>
    public const int Blocked = 3;

    /// <summary>The evaluated decision is require_approval.</summary>
    public const int ApprovalRequired = 4;

    /// <summary>A policy regression: a fixture's expectation failed, or simulate found changes with <c>--fail-on-change</c>.</summary>
    public const int RegressionFailed = 5;

    /// <summary>The command line or its input (bundle, fixture, file) was invalid.</summary>
    public const int InvalidInput = 6;

    /// <summary>
    /// The gateway could not be reached; for <c>decision-tokens verify</c> also when it answered 503 (it could not
    /// check the token: unavailable, never live).
    /// </summary>
    public const int Unreachable = 7;

    /// <summary>
    /// The URL answered with a redirect (3xx), which gatewayctl never follows: the gateway or server was not reached at
    /// that address, and nothing went on to where it pointed.
    /// </summary>
    public const int Redirected = Unreachable;

    /// <summary><c>audit verify</c> found the chain broken.</summary>
    public const int ChainBroken = VerificationFailed;

    /// <summary><c>decision-tokens verify</c>: the token is not live (revoked, expired or invalid).</summary>
    public const int TokenNotLive = VerificationFailed;

    /// <summary>The exit code of an evaluated decision: 0 for the allow family, 3 blocked, 4 approval required.</summary>
    public static int ForDecision(Gateway.Policy.DecisionKind kind) => kind switch
    {
        Gateway.Policy.DecisionKind.RequireApproval => ApprovalRequired,
        Gateway.Policy.DecisionKind.Block or Gateway.Policy.DecisionKind.BlockAndOpenIncident => Blocked,
        _ => Success,
    };
}
