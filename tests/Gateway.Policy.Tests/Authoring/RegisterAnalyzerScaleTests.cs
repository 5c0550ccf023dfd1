using Gateway.Policy.Authoring;

namespace Gateway.Policy.Tests.Authoring;

/// <summary>The analyser on a generated register of 1,000 agents × 200 tools. Runs alone (CPU-heavy); timing is in docs/benchmarks-policy.md.</summary>
[Collection(nameof(RegisterAnalyzerScaleTests))]
[CollectionDefinition(nameof(RegisterAnalyzerScaleTests), DisableParallelization = true)]
public sealed class RegisterAnalyzerScaleTests
{
    [Fact]
    public void Analyze_GeneratedRegisterOf1000AgentsAnd200Tools_AnswersExhaustively()
    {
        var tenant = GeneratedRegister.Create(agents: 1000, tools: 200);

        var report = new RegisterAnalyzer(tenant, [RegisterAnalyzerTests.JuniorFinancialAllow]).Analyze([RegisterAnalyzerTests.JuniorFinancialAllow, new AnalysisQuery { Name = "shell", Tools = ["tool-198"], Decisions = [DecisionKind.Allow] }]);

        Assert.Equal(200_000, report.Cells);
        Assert.True(report.Exhaustive);
        Assert.Empty(report.Answers[0].Witnesses);
        Assert.NotEmpty(report.Answers[1].Witnesses);
        Assert.Equal(["never-fires"], report.NeverFiring);
    }
}
