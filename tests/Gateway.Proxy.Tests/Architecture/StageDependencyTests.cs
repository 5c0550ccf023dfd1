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
        var violations = new List<string>();
        foreach (var (folder, uses) in ProxyFolders.Uses)
        {
            if (ProxyFolders.StageNumber(folder) is not { } stage)
            {
                continue;
            }

            violations.AddRange(uses.Where(used => ProxyFolders.StageNumber(used) > stage || used == Hosting).Select(used => $"{folder} uses {used}"));
        }

        Assert.Empty(violations);
    }

    [Fact]
    public void SharedFolders_UseNoStageAndNotTheHost()
    {
        var violations = new List<string>();
        foreach (var (folder, uses) in ProxyFolders.Uses)
        {
            if (ProxyFolders.StageNumber(folder) is not null || folder == Hosting)
            {
                continue;
            }

            violations.AddRange(uses.Where(used => ProxyFolders.StageNumber(used) is not null || used == Hosting).Select(used => $"{folder} uses {used}"));
        }

        Assert.Empty(violations);
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
