namespace Gateway.Cli.Tests;

/// <summary>The fixture and traffic files <c>policy test</c> and <c>policy simulate</c> read (the policy library reads no file): which, and how their errors name them.</summary>
public sealed class PolicyFixtureFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fixtures-").FullName;

    [Fact]
    public async Task Test_FixturesPathMissing_Exits6NamingIt()
    {
        var missing = Path.Combine(_dir, "none");

        var result = await CliRun.RunAsync("policy", "test", CliRun.ExampleBundle, missing);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"{missing}: no such file or folder", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_FolderWithoutFixtureFiles_Exits6SayingNoneFound()
    {
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "agent: demo-agent\n");

        var result = await CliRun.RunAsync("policy", "test", CliRun.ExampleBundle, _dir);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"{_dir}: no fixtures found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_FixtureInASubfolder_IsNamedRelativeToTheFolder()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "crm"));
        File.WriteAllText(Path.Combine(_dir, "crm", "read.yml"), "agent: demo-agent\nrequest: { tool: crm.read_contact, args: { id: c-1 } }\nexpect: { decision: allow }\n");
        File.WriteAllText(Path.Combine(_dir, "crm", "bad.json"), """{"agent":"demo-agent"}""");

        var folder = await CliRun.RunAsync("policy", "test", CliRun.ExampleBundle, _dir);
        var file = await CliRun.RunAsync("policy", "test", CliRun.ExampleBundle, Path.Combine(_dir, "crm", "read.yml"));

        Assert.Equal(6, folder.ExitCode);
        Assert.Contains($"{Path.Combine("crm", "bad.json")}: 'request' is required", folder.Error, StringComparison.Ordinal);
        Assert.Equal(0, file.ExitCode);
        Assert.Contains("PASS  read.yml", file.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_TrafficFileMissing_Exits6NamingIt()
    {
        var missing = Path.Combine(_dir, "audit.jsonl");

        var result = await CliRun.RunAsync("policy", "simulate", "--policy", CliRun.ExampleBundle, "--traffic", missing);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains($"{missing}: no such file", result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
