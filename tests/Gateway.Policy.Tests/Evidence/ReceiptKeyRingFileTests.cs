using Gateway.Policy.Evidence;

namespace Gateway.Policy.Tests.Evidence;

/// <summary>The receipt key ring's file holds private keys: it is written 0600, in a directory created 0700.</summary>
public sealed class ReceiptKeyRingFileTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ring-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void WritePrivateFile_MissingDirectory_CreatesItOwnerOnlyAndTheFile0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes.
        }

        var directory = Path.Combine(_root, "keys");
        var file = Path.Combine(directory, "ring.json");

        ReceiptKeyRing.Generate(DateTimeOffset.UtcNow).WritePrivateFile(file);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
