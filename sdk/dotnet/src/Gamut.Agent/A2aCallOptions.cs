namespace Gamut.Agent;

/// <summary>The JSON-RPC method names an A2A call speaks: A2A 1.0's (<c>SendMessage</c>, …) or 0.3's (<c>message/send</c>, …).</summary>
public enum A2aVersion
{
    V1_0,
    V0_3,
}

/// <summary>Options of an A2A call.</summary>
public sealed record A2aCallOptions
{
    public A2aVersion Version { get; init; } = A2aVersion.V1_0;

    /// <summary>For a message: wait on a required approval, then resend the same message once with its warrant.</summary>
    public ApprovalWait? WaitForApproval { get; init; }

    public TimeSpan? Timeout { get; init; }
}
