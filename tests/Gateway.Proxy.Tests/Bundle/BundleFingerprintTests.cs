using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Tests.Bundle;

/// <summary>A bundle's fingerprint follows what its files hold, not only their sizes and write times.</summary>
public sealed class BundleFingerprintTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bundle-fingerprint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Compute_RewriteKeepingSizeAndWriteTime_IsAChange()
    {
        var file = Path.Combine(_directory, "acme.yaml");
        File.WriteAllText(file, "default_verdict: block\n");
        var written = File.GetLastWriteTimeUtc(file);
        var before = BundleFingerprint.Compute(_directory);

        File.WriteAllText(file, "default_verdict: allow\n");
        File.SetLastWriteTimeUtc(file, written);

        Assert.Equal(new FileInfo(file).Length, "default_verdict: block\n".Length);
        Assert.NotEqual(before, BundleFingerprint.Compute(_directory));
    }

    [Fact]
    public void Compute_NothingChanged_IsTheSame()
    {
        File.WriteAllText(Path.Combine(_directory, "acme.yaml"), "default_verdict: block\n");
        Directory.CreateDirectory(Path.Combine(_directory, "secrets"));
        File.WriteAllText(Path.Combine(_directory, "secrets", "agent.secret"), "s");

        Assert.Equal(BundleFingerprint.Compute(_directory), BundleFingerprint.Compute(_directory));
    }

    [Fact]
    public void Compute_ContentMovedBetweenNameAndFile_IsAChange()
    {
        File.WriteAllText(Path.Combine(_directory, "ab"), "c");
        var before = BundleFingerprint.Compute(_directory);
        File.Delete(Path.Combine(_directory, "ab"));
        File.WriteAllText(Path.Combine(_directory, "a"), "bc");

        Assert.NotEqual(before, BundleFingerprint.Compute(_directory));
    }

    [Fact]
    public void OfFiles_LinkRetargeted_IsAChange()
    {
        File.WriteAllText(Path.Combine(_directory, "old"), "old-secret");
        File.WriteAllText(Path.Combine(_directory, "new"), "new-secret");
        var link = Path.Combine(_directory, "agent.secret");
        File.CreateSymbolicLink(link, "old");
        var before = BundleFingerprint.OfFiles([link]);

        File.Delete(link);
        File.CreateSymbolicLink(link, "new");

        Assert.NotEqual(before, BundleFingerprint.OfFiles([link]));
    }

    [Fact]
    public void OfFiles_MissingThenWritten_IsAChangeAndNeverThrows()
    {
        var file = Path.Combine(_directory, "agent.secret");
        var missing = BundleFingerprint.OfFiles([file, "/proc/self/status"]);

        File.WriteAllText(file, "s");

        Assert.NotEqual(missing, BundleFingerprint.OfFiles([file, "/proc/self/status"]));
    }
}
