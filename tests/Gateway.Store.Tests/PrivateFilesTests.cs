namespace Gateway.Store.Tests;

/// <summary>A private file (the receipt key ring) is written whole, 0600, in a directory created 0700.</summary>
public sealed class PrivateFilesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "private-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void WriteAllText_MissingDirectory_CreatesItOwnerOnlyAndTheFile0600()
    {
        var directory = Path.Combine(_root, "keys");
        var file = Path.Combine(directory, "ring.json");

        PrivateFiles.WriteAllText(file, """{"keys":[]}""");

        Assert.Equal("""{"keys":[]}""", File.ReadAllText(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PrivateFiles.OwnerOnlyDirectory, File.GetUnixFileMode(directory));
            Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public void WriteAllText_ExistingFileAndStaleTemporary_ReplacesItWhole0600()
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "ring.json");
        File.WriteAllText(file, "an older and much longer ring");
        File.WriteAllText(file + ".tmp", "left by a crash");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file + ".tmp", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        PrivateFiles.WriteAllText(file, "new");

        Assert.Equal("new", File.ReadAllText(file));
        Assert.False(File.Exists(file + ".tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public void WriteAllText_StaleTemporaryLinkedToAnotherFile_LeavesThatFileUntouched()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // a symbolic link needs a privilege there
        }

        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "ring.json");
        var elsewhere = Path.Combine(_root, "world-readable.txt");
        File.WriteAllText(elsewhere, "left as it was");
        File.SetUnixFileMode(elsewhere, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.CreateSymbolicLink(file + ".tmp", elsewhere);

        PrivateFiles.WriteAllText(file, "secret");

        Assert.Equal("left as it was", File.ReadAllText(elsewhere));
        Assert.Null(new FileInfo(file).LinkTarget);
        Assert.Equal("secret", File.ReadAllText(file));
        Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(file));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
