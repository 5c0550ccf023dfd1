using System.Text.Json;
using Gateway.Policy;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Decide;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>
/// The Decide stage's serialised explanations (<see cref="ExplanationJsonCache"/>): the bytes are always those of
/// serialising the explanation now; an equal explanation (a repeated intent) is handed the bytes already made, any
/// difference gets its own.
/// </summary>
public sealed class ExplanationJsonCacheTests
{
    private static Explanation Allow(string intent) => new()
    {
        PolicyDigest = "sha256:policy",
        IntentDigest = intent,
        DecisionPath = [ControlResultPassed(ControlId.AgentRegistration), ControlResultPassed(ControlId.Lifecycle)],
        RuleTriggers = [new RuleTrigger { Rule = "allow-reads", ReasonCode = "reads", Effect = DecisionKind.Allow }],
        OpenRisks = [],
        WhatWouldChange = [],
    };

    private static ControlResult ControlResultPassed(ControlId control) => new() { Control = control, Outcome = ControlOutcome.Pass, Severity = Severity.None };

    [Fact]
    public void Serialize_RepeatedIntent_ReusesTheBytes()
    {
        var cache = new ExplanationJsonCache();

        var first = cache.Serialize(Allow("sha256:one"));
        var second = cache.Serialize(Allow("sha256:one"));

        Assert.True(first.Span.SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(Allow("sha256:one"), PolicyJsonContext.Default.Explanation)));
        Assert.True(first.Equals(second));
    }

    [Fact]
    public void Serialize_AnyDifference_IsSerialisedAfresh()
    {
        var cache = new ExplanationJsonCache();
        var plain = Allow("sha256:one");
        var inRun = plain with { RunId = "run-1" };

        var first = cache.Serialize(plain);
        var run = cache.Serialize(inRun);
        var other = cache.Serialize(Allow("sha256:two"));

        Assert.False(first.Equals(run));
        Assert.True(run.Span.SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(inRun, PolicyJsonContext.Default.Explanation)));
        Assert.True(other.Span.SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(Allow("sha256:two"), PolicyJsonContext.Default.Explanation)));
        Assert.True(cache.Serialize(plain).Span.SequenceEqual(first.Span));
    }
}
