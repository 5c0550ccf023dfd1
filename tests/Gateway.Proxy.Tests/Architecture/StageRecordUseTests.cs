namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// A stage reads the records of the stages before it and uses nothing else of theirs (<see cref="StageRecords"/>): what a
/// later stage needs of an earlier one is in that stage's record, so the walk reads top to bottom.
/// </summary>
public sealed class StageRecordUseTests
{
    [Fact]
    public void StageFolders_UseOfEarlierStages_IsTheirRecordsOnly()
    {
        var violations = ProxyFolders.Uses.Keys
            .Where(static folder => ProxyFolders.StageNumber(folder) is not null)
            .SelectMany(static folder => Directory.EnumerateFiles(Path.Combine(ProxyFolders.Root, folder), "*.cs", SearchOption.AllDirectories)
                .SelectMany(file => StageRecords.HelperUsesOf(folder, File.ReadAllText(file), StageRecords.Records)
                    .Select(use => $"{use} ({Path.GetFileName(file)})")))
            .ToList();

        Assert.Empty(violations);
    }

    [Fact]
    public void HelperUsesOf_PlantedHelperOfAnEarlierStage_IsReported()
    {
        const string Planted = """
            namespace Gateway.Proxy.Respond;

            internal static class Planted
            {
                public static object? Estimate(DescribedAction described) => TokenBudgetGate.Estimate(described, 0);
            }
            """;

        var violations = StageRecords.HelperUsesOf("8-Respond", Planted, StageRecords.Records).ToList();

        Assert.Equal(["8-Respond uses 3-Admit's TokenBudgetGate"], violations);
    }

    [Fact]
    public void HelperUsesOf_PlantedRecordsOfEarlierStages_IsNoViolation()
    {
        // A record read from the feature, a type a record exposes, a member access and a comment: none is a helper use.
        const string Planted = """
            namespace Gateway.Proxy.Respond;

            /// <summary>Not <see cref="TokenBudgetGate"/>.</summary>
            internal static class Planted
            {
                public static AgentIdentity? Who(GatewayRequestFeature feature) => feature.Find<Admission>()?.Identity;

                public static bool Mismatch(GovernedDecision governed) => governed.EvaluationMismatch;
            }
            """;

        Assert.Empty(StageRecords.HelperUsesOf("8-Respond", Planted, StageRecords.Records));
    }

    [Fact]
    public void Records_AreTheFeaturesRecordsAndWhatTheyExpose()
    {
        Assert.Contains("AuthenticatedRequest", StageRecords.Records);
        Assert.Contains("AgentIdentity", StageRecords.Records);
        Assert.Contains("ForwardPlan", StageRecords.Records);
        Assert.Contains("ResponseSizeLimitStream", StageRecords.Records);
        Assert.DoesNotContain("TokenBudgetGate", StageRecords.Records);
        Assert.DoesNotContain("EnforceStage", StageRecords.Records);
    }
}
