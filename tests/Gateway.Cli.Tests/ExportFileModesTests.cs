using Gateway.Store;

namespace Gateway.Cli.Tests;

/// <summary>
/// Each export of gatewayctl against the real gateway (<c>audit export</c>, <c>evidence export</c>, <c>audit checkpoint
/// -o</c>, <c>audit prove -o</c>) is written <c>0600</c>, like the gateway's own exports, whatever the umask; a
/// <c>.partial</c> planted as a link to another file is refused, and that file stays as it was.
/// </summary>
public sealed class ExportFileModesTests : IAsyncLifetime
{
    private const string Request = "req-export-modes";
    private DemoGateway _gw = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _gw = await DemoGateway.StartAsync();
        _directory = Directory.CreateTempSubdirectory("gatewayctl-export-modes-").FullName;
        await _gw.AppendDecisionWithoutOutcomeAsync(Request);
    }

    public async Task DisposeAsync()
    {
        await _gw.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public static TheoryData<string[]> Exports => new()
    {
        new[] { "audit", "export", "--tenant", DemoGateway.Tenant, "--output" },
        new[] { "evidence", "export", "--tenant", DemoGateway.Tenant, "--request-id", Request, "-o" },
        new[] { "audit", "checkpoint", "--tenant", DemoGateway.Tenant, "-o" },
        new[] { "audit", "prove", "--tenant", DemoGateway.Tenant, "--request-id", Request, "-o" },
    };

    [Theory]
    [MemberData(nameof(Exports))]
    public async Task Export_File_IsOwnerOnly(string[] command)
    {
        var file = Path.Combine(_directory, "export.out");

        var result = await _gw.RunAsync(DemoGateway.AdminToken, [.. command, file]);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.True(new FileInfo(file).Length > 0);
        Assert.False(File.Exists(file + ".partial"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(file));
        }
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public async Task Export_PartialPlantedAsSymlinkToAnotherFile_IsRefusedAndThatFileUnchanged(string[] command)
    {
        var file = Path.Combine(_directory, "export.out");
        var victim = Path.Combine(_directory, "victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(file + ".partial", victim);

        var result = await _gw.RunAsync(DemoGateway.AdminToken, [.. command, file]);

        Assert.Equal(6, result.ExitCode); // ExitCodes.InvalidInput
        Assert.Contains(file + ".partial already exists", result.Error, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(file + ".partial").LinkTarget);
        Assert.False(File.Exists(file));
    }
}
