using Gateway.Policy;

namespace Gateway.Proxy.Decide;

/// <summary>
/// A block the gateway imposes on a decided request at one control (an operator's suspension, an evaluation's token
/// for another action): the controls before it as they ran, then it failing; the controls after it did not run, as
/// after any short-circuit block. The decision is enforced, never simulated, and keeps none of the overridden
/// decision's obligations (approvers, degrade) or its warrant flag: no approval lifts it and no warrant was redeemed.
/// </summary>
internal static class ShortCircuitBlock
{
    public static Decision At(Decision decided, ControlResult failing)
    {
        var path = new List<ControlResult>(decided.Explanation.DecisionPath.Count + 1);
        foreach (var result in decided.Explanation.DecisionPath)
        {
            if (result.Control < failing.Control)
            {
                path.Add(result);
            }
        }

        path.Add(failing);
        return decided with
        {
            Kind = DecisionKind.Block,
            WouldBe = DecisionKind.Block,
            Simulated = false,
            Approvers = [],
            ApprovalsRequired = 0,
            Degrade = null,
            WarrantApplied = false,
            Explanation = decided.Explanation with
            {
                DecisionPath = path,
                WhatWouldChange = failing.Remedy is { } remedy ? [remedy] : [],
                Simulated = false,
                WouldBe = null,
                Approvers = null,
                ApprovalsRequired = 0,
                DegradeMode = null,
                WarrantApplied = false,
            },
        };
    }
}
