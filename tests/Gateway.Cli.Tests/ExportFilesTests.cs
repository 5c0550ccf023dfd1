using Gateway.Store;

namespace Gateway.Cli.Tests;

/// <summary>
/// gatewayctl's export files: <c>.partial</c> created new and <c>0600</c>, never opened through a file or link already
/// there; directories created <c>0700</c>.
/// </summary>
public sealed class ExportFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gatewayctl-export-files-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void CreatePartial_Absent_CreatesItOwnerOnly()
    {
        var path = Path.Combine(_directory, "export.jsonl");

        using (var stream = ExportFiles.CreatePartial(path))
        {
            stream.WriteByte((byte)'x');
        }

        Assert.Equal("x", File.ReadAllText(path + ".partial"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(path + ".partial"));
        }
    }

    [Fact]
    public void CreatePartial_SymlinkPlantedToAnotherFile_IsRefusedAndTheTargetUnchanged()
    {
        var path = Path.Combine(_directory, "export.jsonl");
        var victim = Path.Combine(_directory, "authorized_keys");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(path + ".partial", victim);

        var refused = Assert.Throws<IOException>(() => ExportFiles.CreatePartial(path));

        Assert.Contains(path + ".partial already exists", refused.Message, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(path + ".partial").LinkTarget);
    }

    [Fact]
    public void CreatePartial_DanglingSymlink_IsRefusedAndNothingIsCreated()
    {
        var path = Path.Combine(_directory, "export.jsonl");
        var target = Path.Combine(_directory, "not-yet");
        File.CreateSymbolicLink(path + ".partial", target);

        Assert.Throws<IOException>(() => ExportFiles.CreatePartial(path));

        Assert.False(File.Exists(target));
    }

    [Fact]
    public void CreatePartial_StaleFile_IsRefusedAndKept()
    {
        var path = Path.Combine(_directory, "export.jsonl");
        File.WriteAllText(path + ".partial", "left by a crash");

        var refused = Assert.Throws<IOException>(() => ExportFiles.CreatePartial(path));

        Assert.Contains("remove it and run again", refused.Message, StringComparison.Ordinal);
        Assert.Equal("left by a crash", File.ReadAllText(path + ".partial"));
    }

    [Fact]
    public void CreateDirectory_Missing_CreatesItAndItsParentsOwnerOnly()
    {
        var folder = Path.Combine(_directory, "archive", "audit_records_p20260101");

        ExportFiles.CreateDirectory(folder);

        Assert.True(Directory.Exists(folder));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PrivateFiles.OwnerOnlyDirectory, File.GetUnixFileMode(folder));
            Assert.Equal(PrivateFiles.OwnerOnlyDirectory, File.GetUnixFileMode(Path.GetDirectoryName(folder)!));
        }
    }
}
