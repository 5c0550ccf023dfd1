using Gateway.Policy.Bundles;
using Gateway.Policy.Files;

namespace Gateway.Policy.Tests.Files;

/// <summary>The hosts' reading of a bundle directory: which files, named how, and the <c>file:</c> secrets checked on disk.</summary>
public sealed class PolicyBundleDirectoryTests : IDisposable
{
    private const string Tenant = """
        tenant: t1
        workspaces: [w]
        agents:
          - id: a
            secret: #SECRET#
        """;

    private readonly DirectoryInfo _bundle = Directory.CreateTempSubdirectory("bundle-");

    [Fact]
    public void Load_MissingDirectory_ReportsBundleNotFoundNamingThePathAsGiven()
    {
        var path = Path.Combine(_bundle.FullName, "no-such-bundle");

        var result = PolicyBundleDirectory.Load(path, TimeProvider.System);

        Assert.Null(result.Set);
        var error = Assert.Single(result.Errors);
        Assert.Equal((BundleErrorCodes.BundleNotFound, $"bundle directory '{path}' does not exist"), (error.Code, error.Message));
    }

    [Fact]
    public void Read_Directory_TakesTheYamlFilesDirectlyInItInOrdinalOrder()
    {
        Write("b.yml", "tenant: b");
        Write("a.YAML", "tenant: a");
        Write("notes.txt", "not a tenant");
        Directory.CreateDirectory(Path.Combine(_bundle.FullName, "sub"));
        Write(Path.Combine("sub", "c.yaml"), "tenant: c");

        var source = PolicyBundleDirectory.Read(_bundle.FullName);

        Assert.Equal(["a.YAML", "b.yml"], source.Files!.Select(f => f.Name));
        Assert.Equal([Path.Combine(_bundle.FullName, "a.YAML"), Path.Combine(_bundle.FullName, "b.yml")], source.Files!.Select(f => f.Path));
        Assert.Equal("tenant: a", source.Files![0].Text);
    }

    [Fact]
    public void Load_DuplicateTenantAcrossFiles_NamesTheSecondFile()
    {
        Write("a.yaml", Tenant.Replace("#SECRET#", "env:A", StringComparison.Ordinal));
        Write("b.yml", Tenant.Replace("#SECRET#", "env:A", StringComparison.Ordinal));

        var result = PolicyBundleDirectory.Load(_bundle.FullName, TimeProvider.System);

        Assert.Null(result.Set);
        Assert.Contains(result.Errors, e => e.Code == BundleErrorCodes.DuplicateTenant && e.File == "b.yml");
    }

    [Fact]
    public void Load_FileSecretMissing_IsRefusedWithItsResolvedPath()
    {
        Write("t1.yaml", Tenant.Replace("#SECRET#", "file:secrets/a.secret", StringComparison.Ordinal));
        var resolved = Path.Combine(_bundle.FullName, "secrets", "a.secret");

        var missing = PolicyBundleDirectory.Load(_bundle.FullName, TimeProvider.System);
        Directory.CreateDirectory(Path.GetDirectoryName(resolved)!);
        File.WriteAllText(resolved, "s");
        var present = PolicyBundleDirectory.Load(_bundle.FullName, TimeProvider.System);

        var error = Assert.Single(missing.Errors);
        Assert.Equal((BundleErrorCodes.SecretFileMissing, "t1.yaml", 5), (error.Code, error.File, error.Line));
        Assert.EndsWith($"file 'secrets/a.secret' does not exist (resolved to {resolved})", error.Message, StringComparison.Ordinal);
        Assert.Empty(present.Errors);
        Assert.True(present.Set!.Tenants["t1"].TryGetAgent("a", out var agent));
        Assert.Equal(resolved, agent!.Secret!.ResolvedPath);
    }

    [Fact]
    public void LoadTenantFile_FileSecretMissing_IsRefused()
    {
        Write("t1.yaml", Tenant.Replace("#SECRET#", "file:a.secret", StringComparison.Ordinal));

        var result = PolicyBundleDirectory.LoadTenantFile(Path.Combine(_bundle.FullName, "t1.yaml"));

        Assert.Null(result.Tenant);
        Assert.Equal(BundleErrorCodes.SecretFileMissing, Assert.Single(result.Errors).Code);
    }

    public void Dispose() => _bundle.Delete(recursive: true);

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_bundle.FullName, name), text);
}
