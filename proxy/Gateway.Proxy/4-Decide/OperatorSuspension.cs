using Gateway.Policy;

namespace Gateway.Proxy.Decide;

/// <summary>
/// An agent suspended at run time through the admin API (a kill switch: the agent's, or its tenant's)
/// fails the lifecycle control exactly as a register suspension does: block at once, the remaining controls not run.
/// </summary>
internal static class OperatorSuspension
{
    public static Decision Block(Decision evaluated) => ShortCircuitBlock.At(evaluated, new ControlResult
    {
        Control = ControlId.Lifecycle,
        Outcome = ControlOutcome.Fail,
        Severity = Severity.Critical,
        MissingEvidence = "The agent, or its tenant, was suspended by an operator (kill switch).",
        Remedy = "An admin resumes the agent (POST /admin/v1/tenants/{tenant}/agents/{agent}/resume) or the tenant (POST /admin/v1/tenants/{tenant}/resume).",
    });
}
