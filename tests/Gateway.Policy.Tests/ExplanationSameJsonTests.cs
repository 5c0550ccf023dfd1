using System.Text.Json;
using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tests;

/// <summary>
/// <see cref="Explanation.WritesSameJson"/>, which a cache of serialised explanations trusts: true exactly when the two
/// serialise to the same bytes, lists compared element by element, and every member of the record compared.
/// </summary>
public sealed class ExplanationSameJsonTests
{
    private static Explanation Sample() => new()
    {
        PolicyDigest = "sha256:policy",
        IntentDigest = "sha256:intent",
        DecisionPath =
        [
            new ControlResult { Control = ControlId.AgentRegistration, Outcome = ControlOutcome.Pass, Severity = Severity.None },
            new ControlResult { Control = ControlId.HumanOwner, Outcome = ControlOutcome.Fail, Severity = Severity.High, MissingEvidence = "no human owner", Remedy = "assign one" },
        ],
        RuleTriggers = [new RuleTrigger { Rule = "r1", ReasonCode = "because", Effect = DecisionKind.Allow, Message = "m" }],
        OpenRisks = [new OpenRisk("risk-1", RiskItemKind.Risk, Severity.Low, "a risk")],
        WhatWouldChange = ["assign one"],
        Approvers = ["bob"],
        ApprovalsRequired = 1,
        DegradeMode = Policy.DegradeMode.ReadOnly,
        Simulated = true,
        WouldBe = DecisionKind.Degrade,
        WarrantApplied = true,
        Person = new ActingPerson("erin@acme.example", "https://login.example.com", ["staff"]),
        Error = "none",
        ActorChain = [new ActorLink(ActorKind.Person, "erin@acme.example") { Name = "Erin" }, new ActorLink(ActorKind.Agent, "a") { RunId = "run-1" }],
        RunId = "run-1",
    };

    // Each member changed alone (a list by one element's value): the JSON differs, and so must the comparison.
    public static TheoryData<string> Members() =>
    [
        .. typeof(Explanation).GetProperties().Select(p => p.Name),
    ];

    private static Explanation Changed(Explanation e, string member) => member switch
    {
        nameof(Explanation.PolicyDigest) => e with { PolicyDigest = "sha256:other" },
        nameof(Explanation.IntentDigest) => e with { IntentDigest = "sha256:other" },
        nameof(Explanation.DecisionPath) => e with { DecisionPath = [e.DecisionPath[0], e.DecisionPath[1] with { Remedy = "another" }] },
        nameof(Explanation.RuleTriggers) => e with { RuleTriggers = [e.RuleTriggers[0] with { Message = "another" }] },
        nameof(Explanation.OpenRisks) => e with { OpenRisks = [e.OpenRisks[0] with { Title = "another" }] },
        nameof(Explanation.WhatWouldChange) => e with { WhatWouldChange = ["assign one", "and more"] },
        nameof(Explanation.Approvers) => e with { Approvers = null },
        nameof(Explanation.ApprovalsRequired) => e with { ApprovalsRequired = 2 },
        nameof(Explanation.DegradeMode) => e with { DegradeMode = null },
        nameof(Explanation.Simulated) => e with { Simulated = false },
        nameof(Explanation.WouldBe) => e with { WouldBe = DecisionKind.Block },
        nameof(Explanation.WarrantApplied) => e with { WarrantApplied = false },
        nameof(Explanation.Person) => e with { Person = e.Person! with { Groups = ["staff", "sales"] } },
        nameof(Explanation.Error) => e with { Error = null },
        nameof(Explanation.ActorChain) => e with { ActorChain = [e.ActorChain![0], e.ActorChain[1] with { RunId = "run-2" }] },
        nameof(Explanation.RunId) => e with { RunId = "run-2" },
        _ => throw new InvalidOperationException($"Explanation.{member} is new: compare it in Explanation.WritesSameJson, then change it here."),
    };

    [Fact]
    public void WritesSameJson_CopiesWithFreshLists_AreTheSame()
    {
        var sample = Sample();
        var copy = sample with
        {
            DecisionPath = [.. sample.DecisionPath],
            RuleTriggers = [.. sample.RuleTriggers.Select(t => t with { })],
            OpenRisks = [.. sample.OpenRisks.Select(r => r with { })],
            WhatWouldChange = [.. sample.WhatWouldChange],
            Approvers = [.. sample.Approvers!],
            Person = sample.Person! with { Groups = [.. sample.Person.Groups] },
            ActorChain = [.. sample.ActorChain!.Select(a => a with { })],
        };

        Assert.True(sample.WritesSameJson(copy));
        Assert.Equal(Json(sample), Json(copy));
    }

    [Theory]
    [MemberData(nameof(Members))]
    public void WritesSameJson_AnyMemberChanged_IsNotTheSame(string member)
    {
        var sample = Sample();
        var changed = Changed(sample, member);

        Assert.NotEqual(Json(sample), Json(changed));
        Assert.False(sample.WritesSameJson(changed));
        Assert.False(changed.WritesSameJson(sample));
    }

    private static string Json(Explanation explanation) => JsonSerializer.Serialize(explanation, PolicyJsonContext.Default.Explanation);
}
