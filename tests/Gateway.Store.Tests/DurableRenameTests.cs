namespace Gateway.Store.Tests;

/// <summary>The rename that retention's export, the file journal's rewrite, the vault file and gatewayctl's export rely on, with real files.</summary>
public sealed class DurableRenameTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("durable-rename-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Replace_ExistingDestination_LeavesOnlyTheNewContent()
    {
        var destination = Path.Combine(_directory, "journal");
        var source = destination + ".partial";
        File.WriteAllText(destination, "old");
        File.WriteAllText(source, "new");

        DurableRename.Replace(source, destination);

        Assert.Equal("new", File.ReadAllText(destination));
        Assert.False(File.Exists(source));
    }

    [Fact]
    public void SyncDirectory_MissingDirectory_ThrowsOnUnix()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.Throws<IOException>(() => DurableRename.SyncDirectory(Path.Combine(_directory, "gone")));
    }
}
