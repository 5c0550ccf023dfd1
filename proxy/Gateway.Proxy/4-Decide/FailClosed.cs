using Gateway.Policy;

namespace Gateway.Proxy.Decide;

/// <summary>The block recorded when evaluation itself failed: an error anywhere in evaluation is a block.</summary>
internal static class FailClosed
{
    public static Decision Block(string policyDigest, string error) => new()
    {
        Kind = DecisionKind.Block,
        WouldBe = DecisionKind.Block,
        Explanation = new Explanation
        {
            PolicyDigest = policyDigest,
            IntentDigest = string.Empty,
            DecisionPath = [],
            RuleTriggers = [],
            OpenRisks = [],
            WhatWouldChange = ["Retry once the gateway can evaluate the request; the failure was logged."],
            Error = error,
        },
    };
}
