namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// The folder tree is the pipeline: a stage folder uses only the shared folders and the stages before
/// it (it reads their records), never a later one; the shared folders (Pipeline, Refusals, Telemetry…)
/// use no stage; only the host wires everything (Hosting and the project root); and no folders form a cycle.
/// </summary>
public sealed class StageDependencyTests
{
    private const string Hosting = "Hosting";

    [Fact]
    public void Stages_AreNumberedInRequestOrder()
    {
        var stages = ProxyFolders.Uses.Keys.Where(static folder => ProxyFolders.StageNumber(folder) is not null).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["1-Authenticate", "2-Describe", "3-Admit", "4-Decide", "5-Record", "6-Enforce", "7-Forward", "8-Respond"], stages);
    }

    [Fact]
    public void StageFolders_UseNoLaterStage()
    {
        Assert.Empty(LaterStageUses(ProxyFolders.Uses));
    }

    [Fact]
    public void SharedFolders_UseNoStageAndNotTheHost()
    {
        Assert.Empty(SharedFolderStageUses(ProxyFolders.Uses));
    }

    [Fact]
    public void LaterStageUses_PlantedUsingOfALaterStage_IsReported()
    {
        const string Planted = """
            using Gateway.Proxy.Pipeline;
            using Gateway.Proxy.Respond;

            namespace Gateway.Proxy.Describe;

            internal static class Planted;
            """;

        var violations = LaterStageUses(WithScratch("2-Describe", Planted));

        Assert.Contains("2-Describe uses 8-Respond", violations);
    }

    [Fact]
    public void SharedFolderStageUses_PlantedRelativeNameOfAStage_IsReported()
    {
        // Inside Gateway.Proxy.Refusals, "Record.X" binds to Gateway.Proxy.Record: no using, no full name.
        const string Planted = """
            namespace Gateway.Proxy.Refusals;

            internal static class Planted
            {
                public static string? Receipt(HttpContext context) => Record.RecordedDecision.ReceiptOf(context);
            }
            """;

        var violations = SharedFolderStageUses(WithScratch("Refusals", Planted));

        Assert.Contains("Refusals uses 5-Record", violations);
    }

    [Fact]
    public void UsesOf_StageNamedOnlyInCommentsAndStrings_IsNoUse()
    {
        const string Planted = """
            namespace Gateway.Proxy.Describe;

            /// <summary>Read before Respond.Write runs; see Gateway.Proxy.Respond.</summary>
            internal static class Planted
            {
                // Forward.Plan comes later.
                public const string Note = "Gateway.Proxy.Forward and Respond.Answer";
            }
            """;

        Assert.Empty(ProxyFolders.UsesOf("2-Describe", Planted, [.. ProxyFolders.Uses.Keys]));
    }

    /// <summary>The real tree with one scratch source text added to <paramref name="folder"/>.</summary>
    private static Dictionary<string, IReadOnlySet<string>> WithScratch(string folder, string source)
    {
        var uses = ProxyFolders.Uses.ToDictionary(static pair => pair.Key, static pair => pair.Value, StringComparer.Ordinal);
        uses[folder] = new HashSet<string>(uses[folder].Concat(ProxyFolders.UsesOf(folder, source, [.. uses.Keys])), StringComparer.Ordinal);
        return uses;
    }

    private static List<string> LaterStageUses(IReadOnlyDictionary<string, IReadOnlySet<string>> tree)
    {
        var violations = new List<string>();
        foreach (var (folder, uses) in tree)
        {
            if (ProxyFolders.StageNumber(folder) is not { } stage)
            {
                continue;
            }

            violations.AddRange(uses.Where(used => ProxyFolders.StageNumber(used) > stage || used == Hosting).Select(used => $"{folder} uses {used}"));
        }

        return violations;
    }

    private static List<string> SharedFolderStageUses(IReadOnlyDictionary<string, IReadOnlySet<string>> tree)
    {
        var violations = new List<string>();
        foreach (var (folder, uses) in tree)
        {
            if (ProxyFolders.StageNumber(folder) is not null || folder == Hosting)
            {
                continue;
            }

            violations.AddRange(uses.Where(used => ProxyFolders.StageNumber(used) is not null || used == Hosting).Select(used => $"{folder} uses {used}"));
        }

        return violations;
    }

    [Fact]
    public void Folders_FormNoCycle()
    {
        var cycles = new List<string>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new Stack<string>();
        foreach (var folder in ProxyFolders.Uses.Keys)
        {
            Visit(folder);
        }

        Assert.Empty(cycles);

        void Visit(string folder)
        {
            if (state.TryGetValue(folder, out var seen))
            {
                if (seen == 1)
                {
                    cycles.Add(string.Join(" → ", path.Reverse().SkipWhile(f => f != folder).Append(folder)));
                }

                return;
            }

            state[folder] = 1;
            path.Push(folder);
            foreach (var used in ProxyFolders.Uses.TryGetValue(folder, out var uses) ? uses : new HashSet<string>())
            {
                Visit(used);
            }

            path.Pop();
            state[folder] = 2;
        }
    }

    [Fact]
    public void Rules_WouldCatchAViolation()
    {
        // The rules read the real tree: make sure they see something (every stage after the first reads an earlier record).
        Assert.Contains("1-Authenticate", ProxyFolders.Uses["2-Describe"]);
        Assert.Contains("Pipeline", ProxyFolders.Uses["8-Respond"]);
        Assert.Contains("7-Forward", ProxyFolders.Uses["8-Respond"]);
    }
}
