using Gateway.Policy;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Tests.Bundle;

/// <summary>
/// An agent's <c>file:</c> secret is read only from a file with something in it, and not much: a pipe, a device or a file
/// of no length names nothing (so no read blocks the policy reload), and neither does one over 64 KiB.
/// </summary>
public sealed class ReferenceSecretResolverTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("secrets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ResolveAsync_AFileWithASecret_IsItTrimmed()
    {
        var path = Path.Combine(_directory, "agent.secret");
        await File.WriteAllTextAsync(path, "s3cret-value\n");

        Assert.Equal("s3cret-value", await new ReferenceSecretResolver().ResolveAsync("t1", FileReference(path), CancellationToken.None));
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/proc/self/environ")]
    public async Task ResolveAsync_AFileOfNoLength_NamesNothing(string path) =>
        Assert.Null(await new ReferenceSecretResolver().ResolveAsync("t1", FileReference(path), CancellationToken.None));

    [Fact]
    public async Task ResolveAsync_AFileOverTheBound_NamesNothing()
    {
        var path = Path.Combine(_directory, "huge.secret");
        await File.WriteAllTextAsync(path, new string('x', ReferenceSecretResolver.MaxFileBytes + 1));

        Assert.Null(await new ReferenceSecretResolver().ResolveAsync("t1", FileReference(path), CancellationToken.None));
    }

    private static SecretReference FileReference(string path) => new() { Source = SecretSource.File, Name = path, ResolvedPath = path };
}
